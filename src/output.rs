//! Writing results: standard output, or a file replaced atomically so a
//! killed run never leaves half a report behind.

use std::io::Write;
use std::path::Path;

use crate::error::InputError;

pub fn write(path: Option<&Path>, text: &str) -> Result<(), InputError> {
    let Some(path) = path else {
        let mut stdout = std::io::stdout().lock();
        // A closed pipe (`| head`) is not an error worth reporting.
        let _ = stdout
            .write_all(text.as_bytes())
            .and_then(|_| stdout.flush());
        return Ok(());
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let result = std::fs::write(&temporary, text).and_then(|_| std::fs::rename(&temporary, path));
    result.map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        InputError::new(path, format!("cannot write output: {e}"))
    })
}
