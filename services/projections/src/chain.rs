//! The projector's anchor of every aggregate's history: the last commit it applied of each
//! aggregate (stream sequence, version and digest), kept in the read-model database beside the
//! checkpoint, outside the event store. Each new commit of an aggregate must name that digest and
//! number its events on from that version. So a commit written around the event store stops the
//! projection, and so does an aggregate whose last commits were removed from the stream once the
//! service records its next commit: that one follows the shortened history, not the commit the
//! projector applied. Neither is ever applied.

use std::collections::HashMap;

use hl_proto::events::v1::Commit;

/// The last applied commit of one aggregate.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Head {
    pub sequence: u64,
    pub version: u64,
    pub digest: Vec<u8>,
}

/// The heads of a stream's aggregates by subject, as far as the projector has read.
pub type Heads = HashMap<String, Head>;

/// The head after `commit` (the message at `sequence` with `digest`) if it follows `head` (None:
/// the aggregate's first commit); otherwise why not.
pub fn follow(
    head: Option<&Head>,
    commit: &Commit,
    (sequence, digest): (u64, Vec<u8>),
) -> Result<Head, String> {
    let (previous, mut version) =
        head.map_or((&[][..], 0), |head| (head.digest.as_slice(), head.version));
    if commit.previous_commit_sha256 != previous {
        return Err(match head {
            Some(head) => format!(
                "the aggregate's history does not continue from its commit at stream sequence {} \
                 (version {}): a commit written around the event store, or commits removed",
                head.sequence, head.version
            ),
            None => "the aggregate's first commit names a commit before it".to_string(),
        });
    }
    for envelope in &commit.events {
        if envelope.aggregate_version != version + 1 {
            return Err(format!(
                "event version {} follows version {version}",
                envelope.aggregate_version
            ));
        }
        version = envelope.aggregate_version;
    }
    Ok(Head {
        sequence,
        version,
        digest,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use hl_proto::events::v1::EventEnvelope;

    fn commit(previous: &[u8], versions: &[u64]) -> Commit {
        Commit {
            previous_commit_sha256: previous.to_vec(),
            events: versions
                .iter()
                .map(|version| EventEnvelope {
                    aggregate_version: *version,
                    ..EventEnvelope::default()
                })
                .collect(),
            ..Commit::default()
        }
    }

    #[test]
    fn a_history_follows_from_its_first_commit_and_breaks_where_it_does_not() {
        let first = follow(None, &commit(&[], &[1, 2]), (5, vec![1; 32])).unwrap();
        assert_eq!((first.sequence, first.version), (5, 2));
        let second = follow(Some(&first), &commit(&[1; 32], &[3]), (9, vec![2; 32])).unwrap();
        assert_eq!((second.sequence, second.version), (9, 3));
        // A commit naming the first one again: the second was removed, or this one forged.
        let refused = follow(Some(&second), &commit(&[1; 32], &[3]), (12, vec![3; 32]));
        assert!(refused.unwrap_err().contains("stream sequence 9"));
        // The right digest with a version skipped.
        assert!(follow(Some(&second), &commit(&[2; 32], &[5]), (12, vec![3; 32])).is_err());
        // A first commit that claims a predecessor.
        assert!(follow(None, &commit(&[2; 32], &[1]), (1, vec![3; 32])).is_err());
    }
}
