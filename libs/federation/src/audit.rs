//! The completeness verdict on one district's stream of one context, from what arrived at the
//! province and what the district holds. Pure: the same observations at the same moment give
//! the same flags.
//!
//! - **Stalled**: the district holds a message the province lacks, stored there longer ago than
//!   the audit's grace. Sourcing is known to stop silently; this is what notices.
//! - **Silent**: no event for longer than the district's usual quiet period.
//! - **Gap**: what arrived has a hole: a district sequence skipped or repeated, or a commit that
//!   breaks its aggregate's hash chain.
//! - **Unreachable**: the district's head could not be read, so whether it is stalled is unknown.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::arrivals::SourceProgress;
use crate::district::District;
use crate::heads::DistrictHead;

/// The audit's own rule: how long a message may wait at a district before the province counts
/// as stalled. Sourcing normally copies within a second; a few minutes rides out a leaf link's
/// reconnection.
#[derive(Clone, Copy, Debug)]
pub struct AuditRules {
    pub stall_after: Duration,
}

impl Default for AuditRules {
    fn default() -> Self {
        AuditRules {
            stall_after: Duration::from_secs(300),
        }
    }
}

/// What an audit found for one district's stream of one context.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceCompleteness {
    pub region: String,
    pub district_name: String,
    pub context: String,
    /// The district sequence of the last message that arrived at the province.
    pub province_sequence: u64,
    /// Messages that arrived.
    pub arrived: u64,
    /// The district's last sequence, when it could be read.
    pub district_sequence: Option<u64>,
    /// Messages the district holds that the province lacks, when the head could be read.
    pub lag_events: Option<u64>,
    /// How long the oldest message the province lacks has waited at the district.
    pub lag: Option<Duration>,
    /// Time since the district's last event (recorded there, or stored at its head).
    pub since_last_event: Option<Duration>,
    pub flags: Vec<Flag>,
}

/// A finding an operator acts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flag {
    pub kind: FlagKind,
    /// What was seen, with the figures.
    pub detail: String,
    /// What an operator should do.
    pub action: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FlagKind {
    Stalled,
    Silent,
    Gap,
    Unreachable,
}

impl FlagKind {
    pub const ALL: [FlagKind; 4] = [
        FlagKind::Stalled,
        FlagKind::Silent,
        FlagKind::Gap,
        FlagKind::Unreachable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FlagKind::Stalled => "stalled",
            FlagKind::Silent => "silent",
            FlagKind::Gap => "gap",
            FlagKind::Unreachable => "unreachable",
        }
    }
}

/// Judges one district's stream of one context at `now`.
pub fn assess(
    (district, context): (&District, &str),
    progress: &SourceProgress,
    head: &Result<DistrictHead, String>,
    rules: &AuditRules,
    now: DateTime<Utc>,
) -> SourceCompleteness {
    let elapsed = |since: DateTime<Utc>| (now - since).to_std().unwrap_or(Duration::ZERO);
    let head_read = head.as_ref().ok();
    let lag_events =
        head_read.map(|head| head.last_sequence.saturating_sub(progress.origin_sequence));
    let lag = head_read.map(|head| head.first_missing_stored.map_or(Duration::ZERO, elapsed));
    let last_event = [
        progress.last_recorded,
        head_read.and_then(|head| head.last_stored),
    ]
    .into_iter()
    .flatten()
    .max();
    let since_last_event = last_event.map(elapsed);
    let mut flags = Vec::new();
    let name = &district.name;
    match head {
        Err(reason) => flags.push(Flag {
            kind: FlagKind::Unreachable,
            detail: format!("{name}'s {context} stream could not be read: {reason}"),
            action: format!(
                "Check the network to {name} and its monitor URL; until it answers, a stalled \
                 source cannot be told apart from a quiet one."
            ),
        }),
        Ok(head) => {
            if head.last_sequence < progress.origin_sequence {
                flags.push(Flag {
                    kind: FlagKind::Gap,
                    detail: format!(
                        "{name}'s {context} stream now ends at district sequence {}, before the \
                         {} the province already holds: the district's stream was recreated or \
                         restored from an older backup",
                        head.last_sequence, progress.origin_sequence
                    ),
                    action: format!(
                        "Keep the province's copy: it is now the fuller record. Ask {name} how its \
                         stream came to be shorter, and restore the district from the province's \
                         messages before it records more (new messages would reuse sequences the \
                         province already holds)."
                    ),
                });
            }
            if let (Some(behind), Some(waited)) = (lag_events, lag)
                && behind > 0
                && waited >= rules.stall_after
            {
                flags.push(Flag {
                    kind: FlagKind::Stalled,
                    detail: format!(
                        "{name} holds {behind} {context} message(s) the province lacks; the \
                         oldest has waited {} s (the province stopped at district sequence {})",
                        waited.as_secs(),
                        progress.origin_sequence
                    ),
                    action: format!(
                        "Check the province's leaf connection to {name} and the source's state in \
                         the provincial stream's info; if the link is up and the lag does not \
                         shrink, re-apply the provincial sources (hlctl province source) so the \
                         province creates its sourcing consumer again."
                    ),
                });
            }
        }
    }
    let quiet = district.quiet_period();
    let silent_for = since_last_event.filter(|since| *since > quiet);
    if last_event.is_none() || silent_for.is_some() {
        let detail = match silent_for {
            Some(since) => format!(
                "no {context} event from {name} for {} h, longer than its usual quiet period of \
                 {} h",
                since.as_secs() / 3600,
                district.quiet_hours
            ),
            None => format!("no {context} event from {name} has ever arrived"),
        };
        flags.push(Flag {
            kind: FlagKind::Silent,
            detail,
            action: format!(
                "Ask {name}'s bureau whether it is recording; if it is, its suite or its leaf \
                 link is down. A district that is quiet by season has its quiet_hours raised in \
                 the districts file."
            ),
        });
    }
    if progress.hole_count() > 0 {
        let shown: Vec<String> = progress
            .holes
            .iter()
            .take(3)
            .map(ToString::to_string)
            .collect();
        flags.push(Flag {
            kind: FlagKind::Gap,
            detail: format!(
                "{} hole(s) in {name}'s {context} messages: {}",
                progress.hole_count(),
                shown.join("; ")
            ),
            action: format!(
                "Do not fill the hole by hand. Ask {name} for the missing sequences from its \
                 backup (hlctl backup), compare their digests with the chain, and open an \
                 integrity review: a message removed before the province copied it is a \
                 record someone took out of the ledger."
            ),
        });
    }
    SourceCompleteness {
        region: district.region.clone(),
        district_name: district.name.clone(),
        context: context.to_string(),
        province_sequence: progress.origin_sequence,
        arrived: progress.arrived,
        district_sequence: head_read.map(|head| head.last_sequence),
        lag_events,
        lag,
        since_last_event,
        flags,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arrivals::Hole;

    fn putuo() -> District {
        District {
            region: "330903".into(),
            name: "Putuo".into(),
            domain: "d330903".into(),
            quiet_hours: 72,
            monitor_url: None,
            monitor_credentials: None,
        }
    }

    fn now() -> DateTime<Utc> {
        "2026-12-02T10:00:00Z".parse().unwrap()
    }

    fn minutes_ago(minutes: i64) -> Option<DateTime<Utc>> {
        Some(now() - chrono::Duration::minutes(minutes))
    }

    fn arrived(up_to: u64, recorded_minutes_ago: i64) -> SourceProgress {
        SourceProgress {
            origin_sequence: up_to,
            arrived: up_to,
            last_recorded: minutes_ago(recorded_minutes_ago),
            ..Default::default()
        }
    }

    fn head(last: u64, first_missing_minutes_ago: Option<i64>) -> Result<DistrictHead, String> {
        Ok(DistrictHead {
            last_sequence: last,
            last_stored: minutes_ago(1),
            first_missing_stored: first_missing_minutes_ago.and_then(minutes_ago),
        })
    }

    fn kinds(found: &SourceCompleteness) -> Vec<FlagKind> {
        found.flags.iter().map(|flag| flag.kind).collect()
    }

    fn judge(progress: &SourceProgress, head: &Result<DistrictHead, String>) -> SourceCompleteness {
        let rules = AuditRules {
            stall_after: Duration::from_secs(120),
        };
        assess((&putuo(), "hazards"), progress, head, &rules, now())
    }

    #[test]
    fn a_province_that_follows_its_district_is_not_flagged() {
        let found = judge(&arrived(40, 1), &head(40, None));
        assert!(found.flags.is_empty(), "{:?}", found.flags);
        assert_eq!(found.lag_events, Some(0));
        assert_eq!(found.lag, Some(Duration::ZERO));
    }

    #[test]
    fn a_message_waiting_at_the_district_past_the_grace_is_a_stall() {
        // Just written: sourcing has not had its chance yet.
        assert!(judge(&arrived(40, 1), &head(41, Some(1))).flags.is_empty());
        let stalled = judge(&arrived(40, 30), &head(45, Some(10)));
        assert_eq!(kinds(&stalled), [FlagKind::Stalled]);
        assert_eq!(stalled.lag_events, Some(5));
        assert_eq!(stalled.lag, Some(Duration::from_secs(600)));
        assert!(stalled.flags[0].detail.contains("5 hazards message(s)"));
        assert!(stalled.flags[0].action.contains("leaf connection"));
    }

    #[test]
    fn a_district_stream_shorter_than_what_arrived_is_a_gap() {
        let found = judge(&arrived(40, 1), &head(12, None));
        assert_eq!(kinds(&found), [FlagKind::Gap]);
        assert!(
            found.flags[0]
                .detail
                .contains("ends at district sequence 12"),
            "{:?}",
            found.flags
        );
        assert_eq!(found.lag_events, Some(0));
    }

    #[test]
    fn an_unreadable_head_says_so_and_does_not_guess_a_stall() {
        let found = judge(&arrived(40, 30), &Err("no answer within 2s".into()));
        assert_eq!(kinds(&found), [FlagKind::Unreachable]);
        assert_eq!(found.lag_events, None);
    }

    #[test]
    fn a_district_quiet_past_its_usual_period_is_silent() {
        let quiet = arrived(40, 73 * 60);
        let mut old_head = head(40, None).unwrap();
        old_head.last_stored = minutes_ago(73 * 60);
        let found = judge(&quiet, &Ok(old_head.clone()));
        assert_eq!(kinds(&found), [FlagKind::Silent]);
        assert!(found.flags[0].detail.contains("73 h"), "{:?}", found.flags);
        // An event at the district that has not arrived yet still counts as the district
        // speaking: the lag, not silence, is what is wrong then.
        old_head.last_stored = minutes_ago(5);
        assert!(judge(&quiet, &Ok(old_head)).flags.is_empty());
        let never = judge(
            &SourceProgress::default(),
            &Ok(DistrictHead {
                last_sequence: 0,
                last_stored: None,
                first_missing_stored: None,
            }),
        );
        assert_eq!(kinds(&never), [FlagKind::Silent]);
        assert!(never.flags[0].detail.contains("ever arrived"));
    }

    #[test]
    fn holes_in_what_arrived_are_a_gap_with_the_sequences_named() {
        let mut progress = arrived(40, 1);
        progress.holes = vec![
            Hole::Skipped { from: 7, to: 7 },
            Hole::ChainBreak {
                subject: "hl.330903.hazards.hazard.h1".into(),
                province_sequence: 12,
            },
        ];
        let found = judge(&progress, &head(40, None));
        assert_eq!(kinds(&found), [FlagKind::Gap]);
        let detail = &found.flags[0].detail;
        assert!(detail.starts_with("2 hole(s)"), "{detail}");
        assert!(
            detail.contains("district sequence 7 never arrived"),
            "{detail}"
        );
        assert!(found.flags[0].action.contains("integrity review"));
    }
}
