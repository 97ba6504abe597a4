use super::*;
use crate::questions::Bank;

const SRE: &str = "Site Reliability Engineer, Payments Platform. You will keep our payments API \
    up: take part in the on-call rotation, respond to incidents and outages, run blameless \
    postmortems, define SLOs and error budgets, and improve monitoring and alerting. You debug \
    production issues across Kubernetes, Postgres and our Go services. 4+ years running services \
    in production; Terraform and Prometheus a plus.";

const FRONTEND: &str = "Frontend Engineer (React). Build accessible, fast user interfaces for our \
    design tool. Write TypeScript and React components, own our CSS and component library, and \
    improve page load times and Core Web Vitals in the browser. Write tests with Jest and \
    Playwright, keep the end-to-end suite green, and review pull requests with care. You pair \
    with designers and product managers every day.";

const MANAGER: &str = "Engineering Manager. Lead a team of eight engineers: hire, coach and grow \
    people, run one-on-ones and give honest feedback, resolve conflict, and partner with product \
    and stakeholders on the roadmap. You have led teams before and can influence without \
    authority across the organisation.";

const CHEF: &str = "Sous chef for a busy restaurant kitchen. Prepare seasonal menus, order food \
    stock from suppliers, train kitchen porters and keep hygiene standards. Weekend shifts.";

fn ids(posting: &str, want: usize) -> (Vec<String>, Offline) {
    let bank = Bank::builtin().unwrap();
    let all: Vec<&Question> = bank.all().iter().collect();
    let found = pick(&all, posting, want);
    let ids = found.picks.iter().map(|p| p.question.clone()).collect();
    (ids, found)
}

#[test]
fn an_sre_posting_draws_incident_and_reliability_questions() {
    let (ids, found) = ids(SRE, 3);
    assert_eq!(ids.len(), 3, "{ids:?}");
    let expected = [
        "debug-production-issue",
        "production-incident",
        "improve-reliability",
        "on-call-handover",
    ];
    for id in &ids {
        assert!(expected.contains(&id.as_str()), "{ids:?}");
    }
    assert!(found.relevant);
    let bank = Bank::builtin().unwrap();
    assert!(
        ids.iter().any(|id| behavioural(bank.get(id).unwrap())),
        "{ids:?}"
    );
    let first = &found.picks[0].because;
    assert!(first.starts_with("the posting's \""), "{first}");
}

#[test]
fn frontend_and_manager_postings_draw_other_questions() {
    let (sre, _) = ids(SRE, 3);
    let (frontend, found) = ids(FRONTEND, 3);
    assert!(found.relevant, "{frontend:?}");
    assert!(
        frontend.iter().all(|id| !sre.contains(id)),
        "{frontend:?} {sre:?}"
    );
    let bank = Bank::builtin().unwrap();
    assert!(
        frontend
            .iter()
            .any(|id| bank.get(id).unwrap().has_tag("performance")),
        "{frontend:?}"
    );
    let (manager, _) = ids(MANAGER, 3);
    assert!(
        manager.iter().all(|id| behavioural(bank.get(id).unwrap())),
        "{manager:?}"
    );
    assert!(manager.iter().all(|id| !sre.contains(id)), "{manager:?}");
}

#[test]
fn a_posting_the_bank_knows_nothing_about_gets_one_general_question_and_a_suggestion() {
    let (ids, found) = ids(CHEF, 3);
    assert!(!found.relevant);
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert!(found.picks[0].because.starts_with("every interview has"));
    assert!(
        found.unmatched.contains(&"kitchen".to_string()),
        "{:?}",
        found.unmatched
    );
}

#[test]
fn picking_is_deterministic_and_names_the_words_that_matched() {
    let (a, first) = ids(SRE, 4);
    let (b, second) = ids(SRE, 4);
    assert_eq!(a, b);
    assert_eq!(first.picks, second.picks);
    let bank = Bank::builtin().unwrap();
    let all: Vec<&Question> = bank.all().iter().collect();
    let reader = Reader::new(&all);
    let scored = reader.rank(&all, SRE);
    let on_call = scored
        .iter()
        .find(|s| s.question.id == "on-call-handover")
        .unwrap();
    assert!(
        on_call.matched.contains(&"on-call".to_string()),
        "{:?}",
        on_call.matched
    );
}

#[test]
fn one_round_is_the_best_question_and_nothing_at_all_is_never_picked() {
    assert_eq!(ids(SRE, 1).0, ["debug-production-issue"]);
    assert_eq!(ids(CHEF, 1).0.len(), 1);
    assert!(ids(SRE, 0).0.is_empty());
}

#[test]
fn words_are_listed_as_a_sentence_lists_them() {
    let w = |v: &[&str]| and_list(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    assert_eq!(w(&[]), "");
    assert_eq!(w(&["a"]), "a");
    assert_eq!(w(&["a", "b", "c"]), "a, b and c");
}
