//! A failed call becomes the `{"Error": {"Code", "Message"}}` record AWS
//! returns. When the SDK cannot read a code (some servers wrap errors in a
//! shape the service's parser does not expect), the code is read from the
//! raw body, or else the HTTP status and a short body excerpt are kept.
//! Nothing here prints credentials: SDK errors carry the response, never
//! the signed request.

use aws_sdk_iam::error::ProvideErrorMetadata;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use serde_json::{Value, json};

pub fn record(code: &str, message: &str) -> Value {
    json!({ "Error": { "Code": code, "Message": message } })
}

pub fn from_sdk<E>(error: &SdkError<E, HttpResponse>) -> Value
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match error {
        SdkError::ServiceError(context) => from_response(
            context.raw(),
            error.code().map(str::to_string),
            error.message().map(str::to_string),
        ),
        // An error status whose body the SDK could not parse (another
        // protocol's error shape, a proxy's page): what the body says.
        SdkError::ResponseError(context)
            if context.raw().status().is_client_error()
                || context.raw().status().is_server_error() =>
        {
            from_response(context.raw(), None, None)
        }
        SdkError::TimeoutError(_) => record(
            "Timeout",
            "no answer within the time limit (--timeout: retries, and the waits after throttling, included)",
        ),
        SdkError::DispatchFailure(failure) => {
            let what = if failure.is_timeout() {
                "timed out"
            } else {
                "could not connect"
            };
            record(
                "ConnectionError",
                &format!("{what}: {}", aws_sdk_iam::error::DisplayErrorContext(error)),
            )
        }
        other => record(
            "ClientError",
            &aws_sdk_iam::error::DisplayErrorContext(other).to_string(),
        ),
    }
}

/// The record for an error answer: the code and message the SDK read, else
/// those in the body (XML or JSON), else the status and an excerpt.
fn from_response(raw: &HttpResponse, code: Option<String>, message: Option<String>) -> Value {
    let body = raw
        .body()
        .bytes()
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    let code = code
        .or_else(|| between(&body, "<Code>", "</Code>"))
        .or_else(|| json_field(&body, "__type"));
    let message = message
        .or_else(|| between(&body, "<Message>", "</Message>"))
        .or_else(|| json_field(&body, "message").or_else(|| json_field(&body, "Message")));
    match code {
        Some(code) => record(&code, &message.unwrap_or_default()),
        None => record(
            &format!("HTTP{}", raw.status().as_u16()),
            &format!("unparsed error response: {}", excerpt(&body)),
        ),
    }
}

fn between(body: &str, open: &str, close: &str) -> Option<String> {
    let start = body.find(open)? + open.len();
    let end = body[start..].find(close)? + start;
    Some(body[start..end].trim().to_string()).filter(|s| !s.is_empty())
}

fn json_field(body: &str, field: &str) -> Option<String> {
    let value: Value = serde_json::from_str(body).ok()?;
    let text = value.get(field)?.as_str()?;
    // "com.amazonaws.servicequotas#NoSuchResourceException" → the name.
    let text = text.rsplit('#').next().unwrap_or(text);
    Some(text.split(':').next().unwrap_or(text).to_string())
}

fn excerpt(body: &str) -> String {
    let flat: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &flat[..cut]),
        None => flat,
    }
}

/// The code of an error record, if `value` is one.
pub fn code_of(value: &Value) -> Option<&str> {
    value.get("Error")?.get("Code")?.as_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_found_in_wrapped_bodies() {
        let xml = "<ErrorResponse><Errors><Error><Code>AccessDenied</Code><Message>no</Message></Error></Errors></ErrorResponse>";
        assert_eq!(
            between(xml, "<Code>", "</Code>").as_deref(),
            Some("AccessDenied")
        );
        let body =
            r#"{"__type": "com.amazonaws.servicequotas#NoSuchResourceException", "message": "x"}"#;
        assert_eq!(
            json_field(body, "__type").as_deref(),
            Some("NoSuchResourceException")
        );
        assert_eq!(excerpt(&"a ".repeat(300)).chars().count(), 201);
    }

    #[test]
    fn records_read_back() {
        let r = record("AccessDenied", "nope");
        assert_eq!(code_of(&r), Some("AccessDenied"));
        assert_eq!(code_of(&json!({"SecurityGroups": []})), None);
    }
}
