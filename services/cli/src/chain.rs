//! The hash-chain walk `hlctl history` and `hlctl verify` share: commits in stream order, each
//! checked by the projector's own rule (`hl_projections::chain::follow`), so the operator's tool
//! and the read models never disagree on what a broken history is.

use std::collections::HashMap;

use hl_eventstore::commit_digest;
use hl_projections::chain::{Head, follow};
use hl_proto::events::v1::Commit;
use prost::Message;

use crate::decode::Record;

/// Whether a subject is an aggregate's, `{root}.{region}.{context}.{type}.{id}`: only those
/// carry commits.
pub fn is_commit_subject(subject: &str) -> bool {
    subject.split('.').count() == 5
}

/// The first commit that does not follow its aggregate's history.
pub struct Break {
    pub sequence: u64,
    pub subject: String,
    /// Which of its aggregate's commits it is, from 1.
    pub commit_number: u64,
    pub reason: String,
}

/// Where every aggregate's history stands so far in the walk.
#[derive(Default)]
pub struct Walk {
    /// By subject: the head and how many commits the aggregate has shown.
    heads: HashMap<String, (Head, u64)>,
    commits: u64,
    first_break: Option<Break>,
}

impl Walk {
    /// Checks the next commit read from the stream; the first that breaks is kept.
    pub fn check(&mut self, record: &Record) {
        self.commits += 1;
        let digest = commit_digest(&record.payload);
        let (head, count) = self.heads.entry(record.subject.clone()).or_default();
        let known = (*count > 0).then_some(&*head);
        *count += 1;
        let outcome = match Commit::decode(record.payload.as_ref()) {
            Err(error) => Err((format!("not a commit: {error}"), head.version)),
            Ok(commit) => follow(known, &commit, (record.sequence, digest.clone()))
                .map_err(|reason| (reason, last_version(&commit, head.version))),
        };
        match outcome {
            Ok(next) => *head = next,
            Err((reason, version)) => {
                // Walk on from the broken commit, so only the first break is reported.
                *head = Head {
                    sequence: record.sequence,
                    version,
                    digest,
                };
                if self.first_break.is_none() {
                    self.first_break = Some(Break {
                        sequence: record.sequence,
                        subject: record.subject.clone(),
                        commit_number: *count,
                        reason,
                    });
                }
            }
        }
    }

    /// The aggregate's head after the commits walked so far.
    pub fn head(&self, subject: &str) -> Option<&Head> {
        self.heads.get(subject).map(|(head, _)| head)
    }

    pub fn commits(&self) -> u64 {
        self.commits
    }

    pub fn aggregates(&self) -> usize {
        self.heads.len()
    }

    pub fn first_break(&self) -> Option<&Break> {
        self.first_break.as_ref()
    }
}

/// The last version a commit numbers, or `before` when it holds no event.
fn last_version(commit: &Commit, before: u64) -> u64 {
    commit
        .events
        .last()
        .map_or(before, |envelope| envelope.aggregate_version)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hl_proto::events::v1::EventEnvelope;

    fn record(sequence: u64, subject: &str, previous: &[u8], versions: &[u64]) -> Record {
        let commit = Commit {
            previous_commit_sha256: previous.to_vec(),
            events: versions
                .iter()
                .map(|version| EventEnvelope {
                    aggregate_version: *version,
                    ..EventEnvelope::default()
                })
                .collect(),
            ..Commit::default()
        };
        Record {
            sequence,
            subject: subject.into(),
            payload: commit.encode_to_vec().into(),
            traceparent: None,
        }
    }

    #[test]
    fn two_aggregates_chain_apart_and_the_first_break_is_kept() {
        let mut walk = Walk::default();
        let first = record(1, "a", &[], &[1, 2]);
        let first_digest = commit_digest(&first.payload);
        walk.check(&first);
        walk.check(&record(2, "b", &[], &[1]));
        let second = record(3, "a", &first_digest, &[3]);
        let second_digest = commit_digest(&second.payload);
        walk.check(&second);
        assert!(walk.first_break().is_none());
        assert_eq!(walk.head("a").unwrap().version, 3);

        // Naming the first commit again: the second was removed, or this one is forged.
        walk.check(&record(4, "a", &first_digest, &[4]));
        // A later break is not the first.
        walk.check(&record(5, "b", &[9; 32], &[2]));
        let at = walk.first_break().unwrap();
        assert_eq!(
            (at.sequence, at.subject.as_str(), at.commit_number),
            (4, "a", 3)
        );
        assert!(at.reason.contains("stream sequence 3"), "{}", at.reason);
        assert_ne!(walk.head("a").unwrap().digest, second_digest);
        assert_eq!((walk.commits(), walk.aggregates()), (5, 2));
    }

    #[test]
    fn bytes_that_are_not_a_commit_break_the_chain() {
        let mut walk = Walk::default();
        walk.check(&Record {
            sequence: 7,
            subject: "a".into(),
            payload: vec![0xff, 0xff, 0xff].into(),
            traceparent: None,
        });
        assert!(
            walk.first_break()
                .unwrap()
                .reason
                .starts_with("not a commit")
        );
    }
}
