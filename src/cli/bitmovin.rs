//! The flags that reach Bitmovin's API: the key (from a file or the
//! `BITMOVIN_API_KEY` variable, never a flag's value, which `ps` would
//! show), the organisation and the address.

use std::path::PathBuf;

use ccaudit::bitmovin::client::{ApiKey, Client, DEFAULT_URL, Retry, header_safe};
use ccaudit::error::InputError;

/// Where the errors about Bitmovin's API point.
pub const API: &str = "<bitmovin>";

#[derive(clap::Args, Clone)]
pub struct BitmovinApiArgs {
    /// File holding the Bitmovin API key (default: the BITMOVIN_API_KEY variable)
    #[arg(long, value_name = "FILE")]
    pub bitmovin_api_key_file: Option<PathBuf>,
    /// Bitmovin organisation to read (sent as X-Tenant-Org-Id), for a key that reaches several
    #[arg(long, value_name = "ID", env = "BITMOVIN_ORG_ID")]
    pub bitmovin_org_id: Option<String>,
    /// Bitmovin's API address
    #[arg(long, value_name = "URL", default_value = DEFAULT_URL)]
    pub bitmovin_api_url: String,
}

impl BitmovinApiArgs {
    /// A client, once the key is found and the values are usable.
    pub fn client(&self) -> Result<Client, InputError> {
        let (key, origin) = match &self.bitmovin_api_key_file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    InputError::new(path, format!("cannot read the Bitmovin API key: {e}"))
                })?;
                (ApiKey::new(&text), path.display().to_string())
            }
            None => (
                std::env::var("BITMOVIN_API_KEY")
                    .ok()
                    .and_then(|k| ApiKey::new(&k)),
                "BITMOVIN_API_KEY".to_string(),
            ),
        };
        let key = key.ok_or_else(|| {
            InputError::new(
                "<flags>",
                format!("no Bitmovin API key in {origin}: give --bitmovin-api-key-file FILE or set BITMOVIN_API_KEY"),
            )
        })?;
        if !key.is_header_safe() {
            return Err(InputError::new(
                &origin,
                "the Bitmovin API key is not one line of printable characters",
            ));
        }
        if let Some(org) = &self.bitmovin_org_id
            && !header_safe(org)
        {
            return Err(InputError::new(
                "<flags>",
                "--bitmovin-org-id is not one word of printable characters",
            ));
        }
        Client::new(
            &self.bitmovin_api_url,
            key,
            self.bitmovin_org_id.clone(),
            Retry::default(),
        )
        .map_err(|e| InputError::new("<flags>", e))
    }
}
