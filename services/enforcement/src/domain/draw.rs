//! The 双随机 draw: an enterprise and officers picked at random from their pools, reproducibly.
//! The seed and the pools are recorded; ordering each pool by SHA-256(seed, member) and taking
//! the first gives the same draw to anyone who checks it, and nobody can steer it without
//! choosing the seed, which is recorded before the draw is seen.

use sha2::{Digest, Sha256};

/// What a draw picked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Drawn {
    pub enterprise_id: String,
    pub officer_ids: Vec<String>,
}

/// The pool's members in the order the seed gives them.
pub fn shuffled<'a>(seed: &str, pool: &'a [String]) -> Vec<&'a String> {
    let mut members: Vec<&String> = pool.iter().collect();
    members.sort_by_key(|member| Sha256::digest(format!("{seed}\u{1f}{member}")));
    members
}

/// Draws one enterprise and `officers` officers. None when a pool is too small.
pub fn draw(
    seed: &str,
    enterprise_pool: &[String],
    officer_pool: &[String],
    officers: usize,
) -> Option<Drawn> {
    let enterprise_id = shuffled(seed, enterprise_pool).first()?.to_string();
    let officer_ids: Vec<String> = shuffled(&format!("{seed}/officers"), officer_pool)
        .into_iter()
        .take(officers)
        .cloned()
        .collect();
    (officer_ids.len() == officers).then_some(Drawn {
        enterprise_id,
        officer_ids,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(prefix: &str, count: usize) -> Vec<String> {
        (0..count)
            .map(|index| format!("{prefix}-{index}"))
            .collect()
    }

    #[test]
    fn the_same_seed_and_pools_draw_the_same_whatever_the_order() {
        let enterprises = pool("enterprise", 20);
        let officers = pool("officer", 6);
        let first = draw("2026-q4-week-48", &enterprises, &officers, 2).unwrap();
        let mut reversed = enterprises.clone();
        reversed.reverse();
        assert_eq!(
            draw("2026-q4-week-48", &reversed, &officers, 2).unwrap(),
            first
        );
        assert_eq!(first.officer_ids.len(), 2);
        let other = draw("another seed", &enterprises, &officers, 2).unwrap();
        assert!(
            other != first || enterprises.len() < 2,
            "another seed draws otherwise"
        );
        assert!(draw("seed", &enterprises, &pool("officer", 1), 2).is_none());
        assert!(draw("seed", &[], &officers, 2).is_none());
    }

    #[test]
    fn every_member_can_be_drawn() {
        let enterprises = pool("enterprise", 5);
        let officers = pool("officer", 3);
        let drawn: std::collections::HashSet<String> = (0..200)
            .map(|seed| {
                draw(&seed.to_string(), &enterprises, &officers, 2)
                    .unwrap()
                    .enterprise_id
            })
            .collect();
        assert_eq!(drawn.len(), 5);
    }
}
