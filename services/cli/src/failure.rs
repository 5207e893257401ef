//! What can go wrong for an operator, each with its own exit code (the sysexits.h numbers), so
//! scripts can tell "NATS is down" from "no such aggregate" from "the history was tampered with".

use std::fmt;

#[derive(Debug)]
pub enum Failure {
    /// NATS, the database or the server cannot be reached. Exit 69 (EX_UNAVAILABLE).
    Unavailable(String),
    /// The stream, aggregate or database asked for does not exist. Exit 66 (EX_NOINPUT).
    NotFound(String),
    /// The arguments do not make sense together. Exit 64 (EX_USAGE).
    Usage(String),
    /// The data is not what it must be, e.g. a broken hash chain. Exit 65 (EX_DATAERR).
    Data(String),
    /// What would be created exists already, e.g. a stream a restore would load, or the backup
    /// file. Nothing was changed. Exit 73 (EX_CANTCREAT).
    Conflict(String),
    /// The server refused the request. Exit 77 (EX_NOPERM) or 75 (EX_TEMPFAIL) by its code.
    Refused { message: String, exit_code: i32 },
}

impl Failure {
    pub fn exit_code(&self) -> i32 {
        match self {
            Failure::Unavailable(_) => 69,
            Failure::NotFound(_) => 66,
            Failure::Usage(_) => 64,
            Failure::Data(_) => 65,
            Failure::Conflict(_) => 73,
            Failure::Refused { exit_code, .. } => *exit_code,
        }
    }

    /// A gRPC error from the server.
    pub fn from_status(what: &str, status: &tonic::Status) -> Failure {
        use tonic::Code;
        let message = format!("{what}: {} ({:?})", status.message(), status.code());
        match status.code() {
            Code::Unavailable | Code::DeadlineExceeded => Failure::Unavailable(message),
            Code::NotFound => Failure::NotFound(message),
            Code::InvalidArgument => Failure::Usage(message),
            Code::PermissionDenied | Code::Unauthenticated => Failure::Refused {
                message,
                exit_code: 77,
            },
            _ => Failure::Refused {
                message,
                exit_code: 75,
            },
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Unavailable(message)
            | Failure::NotFound(message)
            | Failure::Usage(message)
            | Failure::Data(message)
            | Failure::Conflict(message)
            | Failure::Refused { message, .. } => formatter.write_str(message),
        }
    }
}

impl From<std::io::Error> for Failure {
    fn from(error: std::io::Error) -> Failure {
        Failure::Unavailable(format!("cannot write the output: {error}"))
    }
}
