//! `--plan-config FILE`: a plan audit's choices kept beside the Terraform
//! code (which resources are Bitmovin's, the region, where the code is), so
//! CI runs the same audit each time. Flags given on the command line win.
//!
//! ```toml
//! security_group = "module.cloud_connect.aws_security_group.encoders"
//! iam_user = "module.cloud_connect.aws_iam_user.bitmovin"
//! subnet = "module.network.aws_subnet.public[0]"
//! tag = "bitmovin=cloud-connect"
//! region = "eu-central-1"
//! terraform_dir = "."
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::{Choice, Tag};
use crate::error::InputError;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanConfig {
    security_group: Option<String>,
    iam_user: Option<String>,
    subnet: Option<String>,
    tag: Option<Spanned<String>>,
    region: Option<String>,
    /// Relative to the file's directory.
    terraform_dir: Option<PathBuf>,
}

/// `choice` with what the file at `path` sets and the flags left out.
pub fn apply(path: &Path, choice: &mut Choice) -> Result<(), InputError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| InputError::new(path, format!("cannot read the plan config: {e}")))?;
    let config: PlanConfig = toml::from_str(&text)
        .map_err(|e| InputError::at_span(path, &text, e.span(), e.message().trim().to_string()))?;
    let tag = match config.tag {
        Some(tag) => Some(
            tag.get_ref()
                .parse::<Tag>()
                .map_err(|why| InputError::at_span(path, &text, Some(tag.span()), why))?,
        ),
        None => None,
    };
    let here = path.parent().unwrap_or(Path::new(""));
    fill(&mut choice.group_address, config.security_group);
    fill(&mut choice.user_address, config.iam_user);
    fill(&mut choice.subnet_address, config.subnet);
    fill(&mut choice.tag, tag);
    fill(&mut choice.region, config.region);
    fill(
        &mut choice.code,
        config.terraform_dir.map(|dir| here.join(dir)),
    );
    Ok(())
}

/// A flag's value, or the file's when the flag was not given.
fn fill<T>(flag: &mut Option<T>, from_file: Option<T>) {
    if flag.is_none() {
        *flag = from_file;
    }
}
