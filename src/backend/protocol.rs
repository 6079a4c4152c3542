//! The daemon's socket protocol, version [`PROTOCOL`].
//!
//! Framing: every message is one frame, a 4-byte big-endian length followed by that many
//! bytes of UTF-8 JSON (`tokio_util`'s `LengthDelimitedCodec`). A frame may hold at most
//! [`MAX_FRAME`] bytes.
//!
//! The first message each way is a hello: the client sends
//! `{"hello":{"protocol":1,"client":"lsbridge 0.1.0"}}`, the daemon answers
//! `{"hello":{"protocol":1,"daemon":"lsbridge 0.1.0"}}`. Then the client sends
//! [`ClientMsg::Call`] (answered by a [`DaemonMsg::Reply`] with the same id, in any order)
//! and [`ClientMsg::Subscribe`] (from then on every engine event arrives as
//! [`DaemonMsg::Event`]). Anything the daemon cannot accept (not JSON, an unknown message,
//! a frame over the limit, another protocol version, no hello first) is answered with one
//! [`DaemonMsg::Error`] and the connection is closed.

use bytes::{Bytes, BytesMut};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio_util::codec::{Encoder, LengthDelimitedCodec, LengthDelimitedCodecError};

use crate::engine::{EngineEvent, Request, Response};

/// The protocol version this build speaks. Bumped on any incompatible change.
pub const PROTOCOL: u32 = 1;

/// Largest frame either side accepts (8 MiB).
pub const MAX_FRAME: usize = 8 * 1024 * 1024;

/// `lsbridge x.y.z`, sent in hellos.
pub fn software() -> String {
    format!("lsbridge {}", env!("CARGO_PKG_VERSION"))
}

/// The frame codec both sides use.
pub fn codec() -> LengthDelimitedCodec {
    LengthDelimitedCodec::builder()
        .length_field_length(4)
        .big_endian()
        .max_frame_length(MAX_FRAME)
        .new_codec()
}

/// Client → daemon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientMsg {
    Hello {
        protocol: u32,
        client: String,
    },
    /// One [`Request`]; answered by a [`DaemonMsg::Reply`] with the same `id`.
    Call {
        id: u64,
        request: Box<Request>,
    },
    /// Stream every engine event to this connection from now on.
    Subscribe,
}

/// Daemon → client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DaemonMsg {
    Hello {
        protocol: u32,
        daemon: String,
    },
    Reply {
        id: u64,
        response: Response,
    },
    Event(EngineEvent),
    /// This subscriber read too slowly and `count` events were dropped for it (the
    /// connection stays open; views should reload).
    Missed {
        count: u64,
    },
    /// What was wrong, in one line. The daemon closes the connection after sending it.
    Error {
        message: String,
    },
}

/// What the daemon makes of a client's first frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelloCheck {
    /// A hello of our version, from this client.
    Ok { client: String },
    /// Not acceptable; the one-line reason to send back.
    Refused(String),
}

/// Checks a client's first frame. The version is read before the rest of the hello, so a
/// client of another version (whose hello may carry other fields) is told about the
/// version, not about a field it did not send.
pub fn check_hello(frame: &[u8]) -> HelloCheck {
    let value: serde_json::Value = match serde_json::from_slice(frame) {
        Ok(v) => v,
        Err(e) => return HelloCheck::Refused(malformed(&e)),
    };
    let expected = format!(
        "expected a hello first, e.g. {{\"hello\":{{\"protocol\":{PROTOCOL},\"client\":\"{}\"}}}}",
        software()
    );
    let Some(hello) = value.get("hello") else {
        return HelloCheck::Refused(expected);
    };
    match hello.get("protocol").and_then(serde_json::Value::as_u64) {
        Some(v) if v == u64::from(PROTOCOL) => {}
        Some(v) => return HelloCheck::Refused(version_mismatch(&v.to_string())),
        None => {
            return HelloCheck::Refused(format!("the hello has no protocol version: {expected}"))
        }
    }
    match serde_json::from_value::<ClientMsg>(value) {
        Ok(ClientMsg::Hello { client, .. }) => HelloCheck::Ok {
            client: one_line(&client).chars().take(80).collect(),
        },
        Ok(_) => HelloCheck::Refused(expected),
        Err(e) => HelloCheck::Refused(malformed(&e)),
    }
}

/// The daemon's answer to a client of another protocol version.
pub fn version_mismatch(theirs: &str) -> String {
    format!(
        "protocol version {theirs} is not supported: this daemon ({}) speaks version {PROTOCOL}; run the same lsbridge version for the daemon and the TUI (restart the daemon after an upgrade)",
        software()
    )
}

fn malformed(e: &serde_json::Error) -> String {
    let what = if e.is_syntax() || e.is_eof() {
        "not valid JSON"
    } else {
        "not a message of this protocol"
    };
    format!(
        "malformed message ({what}: {}); each frame holds one JSON message",
        one_line(&e.to_string())
    )
}

/// Decodes one frame.
pub fn decode<T: for<'de> Deserialize<'de>>(frame: &[u8]) -> Result<T, String> {
    serde_json::from_slice(frame).map_err(|e| malformed(&e))
}

/// Why reading a frame failed, in one line.
pub fn describe_read_error(e: &std::io::Error) -> String {
    if e.get_ref()
        .and_then(|i| i.downcast_ref::<LengthDelimitedCodecError>())
        .is_some()
    {
        return format!(
            "frame too large: a frame may hold at most {} MiB",
            MAX_FRAME / (1024 * 1024)
        );
    }
    if e.kind() == std::io::ErrorKind::Other && e.to_string().contains("bytes remaining") {
        return "the connection ended in the middle of a frame".to_string();
    }
    format!("cannot read from the socket: {}", one_line(&e.to_string()))
}

/// A message as one frame's payload. Refused when it would exceed [`MAX_FRAME`].
pub fn encode<T: Serialize>(msg: &T) -> Result<Bytes, String> {
    let body = serde_json::to_vec(msg).map_err(|e| format!("cannot encode a message: {e}"))?;
    if body.len() > MAX_FRAME {
        return Err(format!(
            "the message is {} MiB, over the {} MiB frame limit",
            body.len() / (1024 * 1024),
            MAX_FRAME / (1024 * 1024)
        ));
    }
    Ok(Bytes::from(body))
}

/// Writes frames to one half of a socket.
pub struct FrameWriter<W> {
    w: W,
    codec: LengthDelimitedCodec,
    buf: BytesMut,
}

impl<W: AsyncWrite + Unpin> FrameWriter<W> {
    pub fn new(w: W) -> Self {
        Self {
            w,
            codec: codec(),
            buf: BytesMut::new(),
        }
    }

    /// Writes one already-encoded payload as a frame.
    pub async fn send_bytes(&mut self, payload: Bytes) -> std::io::Result<()> {
        self.buf.clear();
        self.codec.encode(payload, &mut self.buf)?;
        self.w.write_all(&self.buf).await?;
        self.w.flush().await
    }

    pub async fn shutdown(&mut self) {
        let _ = self.w.shutdown().await;
    }
}

/// Control characters (newlines in a client's name or an error) become spaces.
pub fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::JobKind;

    #[test]
    fn hello_shapes_match_the_documented_json() {
        let hello = ClientMsg::Hello {
            protocol: 1,
            client: "lsbridge 0.1.0".into(),
        };
        assert_eq!(
            serde_json::to_string(&hello).unwrap(),
            r#"{"hello":{"protocol":1,"client":"lsbridge 0.1.0"}}"#
        );
        assert_eq!(
            serde_json::to_string(&ClientMsg::Subscribe).unwrap(),
            r#""subscribe""#
        );
        let call = ClientMsg::Call {
            id: 7,
            request: Box::new(Request::StartJob {
                source: "big".into(),
                kind: JobKind::Primary,
                dry_run: false,
                confirm_archive: false,
            }),
        };
        let text = serde_json::to_string(&call).unwrap();
        assert_eq!(decode::<ClientMsg>(text.as_bytes()), Ok(call));
    }

    #[test]
    fn first_frames_are_checked() {
        assert_eq!(
            check_hello(br#"{"hello":{"protocol":1,"client":"x\ny"}}"#),
            HelloCheck::Ok {
                client: "x y".into()
            }
        );
        let refused = |f: &[u8]| match check_hello(f) {
            HelloCheck::Refused(m) => m,
            HelloCheck::Ok { .. } => panic!("accepted {f:?}"),
        };
        assert!(refused(br#"{"hello":{"protocol":99,"anything":[]}}"#)
            .contains("protocol version 99 is not supported"));
        assert!(refused(b"{nope").contains("not valid JSON"));
        assert!(refused(b"").contains("not valid JSON"));
        assert!(refused(br#""subscribe""#).contains("expected a hello first"));
        assert!(refused(br#"{"hello":{"client":"x"}}"#).contains("no protocol version"));
        assert!(refused(br#"{"hello":{"protocol":1}}"#).contains("not a message"));
        for m in [refused(b"\xff\xfe"), refused(b"{\"a\":\n")] {
            assert!(!m.contains('\n'), "{m}");
        }
    }

    #[test]
    fn oversized_messages_are_refused_before_sending() {
        let big = "x".repeat(MAX_FRAME + 1);
        assert!(encode(&DaemonMsg::Error { message: big })
            .unwrap_err()
            .contains("frame limit"));
    }
}
