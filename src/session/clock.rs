//! The answer clock: a target length, a warning before it, and a hard cap after it.
//!
//! Pure arithmetic on elapsed time, so the session loop, the terminal view and the tests all agree
//! on what the clock says. The target is a goal, not a guillotine: recording goes on past it, up
//! to the hard cap, so nobody is cut off mid-sentence by surprise. An optional silence end lets a
//! hands-free speaker finish by going quiet, never before half the target.

use std::time::Duration;

pub use crate::units::mmss;

/// The clock settings of one answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    /// How long the answer should be.
    pub target: Duration,
    /// Recording stops here whatever happens.
    pub hard_cap: Duration,
    /// How long before the target the warning shows.
    pub warn_before: Duration,
    /// End the answer after this much silence, once half the target has passed; `None`: off.
    pub silence_end: Option<Duration>,
}

/// The warning window before the target.
pub const WARN_BEFORE: Duration = Duration::from_secs(15);
/// The shortest silence end allowed: shorter would end answers at a breath.
pub const MIN_SILENCE_END: Duration = Duration::from_secs(3);

/// Where an answer stands on its clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Well before the target.
    Running,
    /// Inside the warning window.
    Warning,
    /// Past the target, before the cap.
    Over,
    /// At or past the hard cap: stop recording.
    Capped,
}

/// A moment worth telling the speaker about, crossed between two readings of the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Milestone {
    /// The warning window began.
    Warning,
    /// The target was reached.
    Target,
    /// The hard cap was reached.
    Cap,
}

impl Clock {
    /// A clock with the given target and a hard cap `cap_percent` per cent longer.
    pub fn new(target: Duration, cap_percent: u32) -> Clock {
        Clock {
            target,
            hard_cap: target + target * cap_percent / 100,
            warn_before: WARN_BEFORE.min(target / 2),
            silence_end: None,
        }
    }

    /// The stage at `elapsed`.
    pub fn stage(&self, elapsed: Duration) -> Stage {
        if elapsed >= self.hard_cap {
            Stage::Capped
        } else if elapsed >= self.target {
            Stage::Over
        } else if elapsed + self.warn_before >= self.target {
            Stage::Warning
        } else {
            Stage::Running
        }
    }

    /// The milestone crossed going from `before` to `now`, the latest if several were.
    pub fn crossed(&self, before: Duration, now: Duration) -> Option<Milestone> {
        let marks = [
            (self.hard_cap, Milestone::Cap),
            (self.target, Milestone::Target),
            (
                self.target.saturating_sub(self.warn_before),
                Milestone::Warning,
            ),
        ];
        marks
            .into_iter()
            .find(|(at, _)| before < *at && now >= *at)
            .map(|(_, m)| m)
    }

    /// Whether `silence` of trailing quiet at `elapsed` ends the answer.
    pub fn silence_ends(&self, elapsed: Duration, silence: Duration) -> bool {
        match self.silence_end {
            Some(limit) => elapsed >= self.target / 2 && silence >= limit,
            None => false,
        }
    }

    /// A one-line description of where the answer stands, for plain output and the status line.
    pub fn describe(&self, elapsed: Duration) -> String {
        match self.stage(elapsed) {
            Stage::Running => format!("{} left", mmss(self.target - elapsed)),
            Stage::Warning => format!("{} left: start wrapping up", mmss(self.target - elapsed)),
            Stage::Over => format!(
                "+{} over the target; recording stops at {}",
                mmss(elapsed - self.target),
                mmss(self.hard_cap)
            ),
            Stage::Capped => format!("stopped at the {} cap", mmss(self.hard_cap)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn the_default_cap_is_half_again_the_target() {
        assert_eq!(Clock::new(secs(90), 50).hard_cap, secs(135));
        assert_eq!(Clock::new(secs(120), 50).hard_cap, secs(180));
        assert_eq!(Clock::new(secs(120), 0).hard_cap, secs(120));
    }

    #[test]
    fn stages_follow_the_warning_the_target_and_the_cap() {
        let c = Clock::new(secs(90), 50);
        assert_eq!(c.stage(secs(0)), Stage::Running);
        assert_eq!(c.stage(secs(74)), Stage::Running);
        assert_eq!(c.stage(secs(75)), Stage::Warning);
        assert_eq!(c.stage(secs(90)), Stage::Over);
        assert_eq!(c.stage(secs(135)), Stage::Capped);
    }

    #[test]
    fn each_milestone_is_crossed_once() {
        let c = Clock::new(secs(90), 50);
        assert_eq!(c.crossed(secs(74), secs(75)), Some(Milestone::Warning));
        assert_eq!(c.crossed(secs(75), secs(76)), None);
        assert_eq!(
            c.crossed(Duration::from_millis(89_990), secs(90)),
            Some(Milestone::Target)
        );
        assert_eq!(c.crossed(secs(134), secs(140)), Some(Milestone::Cap));
    }

    #[test]
    fn a_short_target_keeps_its_warning_inside_it() {
        let c = Clock::new(secs(20), 50);
        assert_eq!(c.warn_before, secs(10));
        assert_eq!(c.stage(secs(9)), Stage::Running);
    }

    #[test]
    fn silence_ends_the_answer_only_when_on_and_past_half_the_target() {
        let mut c = Clock::new(secs(90), 50);
        assert!(!c.silence_ends(secs(60), secs(10)));
        c.silence_end = Some(secs(3));
        assert!(!c.silence_ends(secs(44), secs(10)));
        assert!(!c.silence_ends(secs(60), secs(2)));
        assert!(c.silence_ends(secs(45), secs(3)));
    }

    #[test]
    fn descriptions_read_as_a_person_would_say_them() {
        let c = Clock::new(secs(90), 50);
        assert_eq!(c.describe(secs(5)), "1:25 left");
        assert_eq!(c.describe(secs(80)), "0:10 left: start wrapping up");
        assert_eq!(
            c.describe(secs(97)),
            "+0:07 over the target; recording stops at 2:15"
        );
    }
}
