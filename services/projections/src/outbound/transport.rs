//! How batches leave: dropped as files for the bureau's exchange system (the default), or
//! POSTed to the receiver over HTTP once its endpoint and authorization are configured. Either
//! way a delivery answers the acknowledgement the delivery ledger keeps, or why there is none.

use super::encryption::DatasCipher;
use super::file_drop::FileDrop;
use super::http_post::HttpPost;
use super::ledger::Batch;

#[derive(Clone, Debug)]
pub enum Transport {
    FileDrop(FileDrop),
    HttpPost(HttpPost),
}

impl Transport {
    /// Delivers a batch of `region`'s feed of `object`.
    pub async fn deliver(
        &self,
        object: &str,
        region: &str,
        batch: &Batch,
    ) -> Result<String, String> {
        match self {
            Transport::FileDrop(folder) => folder
                .deliver(object, batch)
                .await
                .map_err(|error| format!("{}: {error}", folder.folder().display())),
            Transport::HttpPost(receiver) => receiver.deliver(object, region, batch).await,
        }
    }

    /// What seals the records, where the receiver expects them encrypted.
    pub fn cipher(&self) -> Option<&DatasCipher> {
        match self {
            Transport::FileDrop(_) => None,
            Transport::HttpPost(receiver) => receiver.cipher(),
        }
    }
}

impl From<FileDrop> for Transport {
    fn from(folder: FileDrop) -> Transport {
        Transport::FileDrop(folder)
    }
}

impl From<HttpPost> for Transport {
    fn from(receiver: HttpPost) -> Transport {
        Transport::HttpPost(receiver)
    }
}
