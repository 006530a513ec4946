//! `{name}` placeholders in a rule's texts (documented error, fix command),
//! filled with the target's real ids. Names are checked when the rule is
//! loaded; a value that is not known for a target stays visible as `<name>`.

use std::collections::BTreeMap;

use crate::aws_format::Malformed;

/// Byte offsets and names of every `{name}` in `text`.
pub fn placeholders(text: &str) -> Vec<(usize, &str)> {
    let mut found = Vec::new();
    let mut rest = 0;
    while let Some(open) = text[rest..].find('{') {
        let start = rest + open;
        let Some(len) = text[start + 1..].find('}') else {
            break;
        };
        let name = &text[start + 1..start + 1 + len];
        if !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            found.push((start, name));
            rest = start + len + 2;
        } else {
            // Not a placeholder (e.g. the `{CidrIp=…}` of CLI shorthand).
            rest = start + 1;
        }
    }
    found
}

pub fn render(text: &str, values: &BTreeMap<&str, String>) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    let mut last = 0;
    for (start, name) in placeholders(text) {
        out.push_str(&text[last..start]);
        match values.get(name) {
            Some(value) => out.push_str(value),
            None => {
                out.push('<');
                out.push_str(name);
                out.push('>');
            }
        }
        last = start + name.len() + 2;
    }
    out.push_str(&text[last..]);
    out
}

/// A command filled in for a shell: every value checked against its AWS
/// format and quoted. A value that fails the check stays `<name>` and is
/// listed in `malformed`, so the caller can say why.
pub struct Command {
    pub text: String,
    pub malformed: Vec<Malformed>,
}

pub fn render_command(text: &str, values: &BTreeMap<&str, String>) -> Command {
    let mut malformed = Vec::new();
    let mut words: BTreeMap<&str, String> = BTreeMap::new();
    for (_, name) in placeholders(text) {
        let Some(value) = values.get(name) else {
            continue;
        };
        match crate::aws_format::shell_words(name, value) {
            Ok(quoted) => {
                words.insert(name, quoted);
            }
            Err(bad) if !malformed.contains(&bad) => malformed.push(bad),
            Err(_) => {}
        }
    }
    Command {
        text: render(text, &words),
        malformed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_known_and_marks_unknown() {
        let values = BTreeMap::from([("security_group_id", "sg-0123abcd".to_string())]);
        assert_eq!(
            render(
                "No 'All' IpPermission found for Group {security_group_id} .",
                &values
            ),
            "No 'All' IpPermission found for Group sg-0123abcd ."
        );
        assert_eq!(
            render("--user-name {iam_user}", &values),
            "--user-name <iam_user>"
        );
    }

    #[test]
    fn commands_take_only_well_formed_values_quoted() {
        let values = BTreeMap::from([
            ("region", "eu-west-1".to_string()),
            (
                "security_group_id",
                "sg-0123abcd\ntouch /tmp/pwned".to_string(),
            ),
            ("iam_user", "bit=movin".to_string()),
        ]);
        let command = render_command(
            "aws x --region {region} --group-id {security_group_id} --user {iam_user} --subnet {subnet_id}",
            &values,
        );
        assert_eq!(
            command.text,
            "aws x --region eu-west-1 --group-id <security_group_id> --user 'bit=movin' --subnet <subnet_id>"
        );
        assert_eq!(command.malformed.len(), 1);
        assert_eq!(command.malformed[0].name, "security_group_id");
    }

    #[test]
    fn leaves_cli_shorthand_alone() {
        let text = "IpRanges=[{CidrIp=1.2.3.4/32}] --group-id {security_group_id}";
        assert_eq!(placeholders(text), vec![(42, "security_group_id")]);
        let values = BTreeMap::from([("security_group_id", "sg-1".to_string())]);
        assert_eq!(
            render(text, &values),
            "IpRanges=[{CidrIp=1.2.3.4/32}] --group-id sg-1"
        );
    }
}
