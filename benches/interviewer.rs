//! The interviewer against a real server, on labelled answers: does a small local model give a
//! critique that completes, quotes the candidate's own words, agrees with what interviewers wrote
//! down, stays honest on weak answers, and arrives soon enough after the answer ends?
//!
//! Opt-in: it needs a running OpenAI-compatible server, for example `scripts/llm-server
//! qwen-1.5b` in another terminal, then
//!
//! ```text
//! REHEARSE_LLM_URL=http://127.0.0.1:8080/v1 cargo bench --bench interviewer
//! ```
//!
//! - `REHEARSE_LLM_MODEL`: the model's name (default: the first the server lists).
//! - `REHEARSE_BENCH_ANSWERS`: how many answers (default 10): the bundled sample answer, then
//!   flagship answers of the scorer's held-out split, taken in turn from the strong, average and
//!   weak ones (in id order).
//! - `REHEARSE_BENCH_COLD`: of those, how many are also critiqued without reading ahead, with the
//!   server's prompt cache off (default 3).
//! - `REHEARSE_BENCH_DUMP=FILE`: one JSON line per critique (the answer's id and labels, the local
//!   levels, the critique with its check), for looking into disagreements.
//!
//! With reading ahead, the beginning of the request (everything up to the transcript's last 15 %)
//! is sent first, as a session does while the candidate speaks, and the clock starts when the
//! answer "ends". Per model it prints: critiques completed and parsed, the median time to the
//! first text and to the whole critique (with and without reading ahead), the share of quotes
//! that were verbatim, level agreement with the labels (within one level; absent = 0, partial = 2,
//! clear = 4), both for the level the report shows and for the model's own, and the mean level on
//! weak answers.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

use rehearse::interview::client::LlmClient;
use rehearse::interview::critique::Critique;
use rehearse::interview::interviewer::{Progress, Turn};
use rehearse::interview::prompts::Prompts;
use rehearse::interview::{Endpoint, Interviewer};
use rehearse::questions::{Bank, FLAGSHIP};
use rehearse::score::{Heard, ScoreReport, Scorer, assess};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Labelled {
    id: String,
    question: String,
    text: String,
    dimensions: BTreeMap<String, String>,
    overall: String,
}

/// A labelled dimension's level by the label, as shown, and as the model gave it.
type Levels = (u8, u8, Option<u8>);

/// One critique's figures.
struct Run {
    overall: String,
    first: Option<Duration>,
    whole: Duration,
    critique: Option<Critique>,
    /// (label level, shown level, the model's level) per labelled dimension the model judged.
    levels: Vec<Levels>,
}

fn main() {
    let Ok(url) = std::env::var("REHEARSE_LLM_URL") else {
        println!(
            "interviewer bench: set REHEARSE_LLM_URL (and start a server, e.g. scripts/llm-server)"
        );
        return;
    };
    let count: usize = env_number("REHEARSE_BENCH_ANSWERS", 10);
    let cold: usize = env_number("REHEARSE_BENCH_COLD", 3);
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let model = std::env::var("REHEARSE_LLM_MODEL").unwrap_or_else(|_| {
        let probe = LlmClient::new(Endpoint::new(&url, "probe")).expect("a client");
        runtime
            .block_on(probe.models())
            .ok()
            .and_then(|m| m.into_iter().next())
            .unwrap_or_else(|| "default".into())
    });
    let bank = Bank::load(None).expect("the built-in questions load");
    let question = bank.get(FLAGSHIP).expect("the flagship question").clone();
    let answers = answers(count);
    println!(
        "interviewer bench: {model} at {url}, {} answers ({} also cold)\n",
        answers.len(),
        cold.min(answers.len())
    );
    let mut warm_runs = Vec::new();
    let mut cold_runs = Vec::new();
    for (i, a) in answers.iter().enumerate() {
        let report = report(&question, &a.text);
        let run = critique(&url, &model, &question, a, &report, true);
        line(&a.id, "read ahead", &run);
        warm_runs.push(run);
        if i < cold {
            let run = critique(&url, &model, &question, a, &report, false);
            line(&a.id, "cold", &run);
            cold_runs.push(run);
        }
    }
    summary(&model, &warm_runs, &cold_runs);
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The bundled sample answer (labelled strong), then held-out flagship answers by label in turn.
fn answers(count: usize) -> Vec<Labelled> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sample = std::fs::read_to_string(root.join("samples/answer.txt")).expect("the sample");
    let mut out = vec![Labelled {
        id: "samples/answer.txt".into(),
        question: FLAGSHIP.into(),
        text: sample,
        dimensions: BTreeMap::new(),
        overall: "strong".into(),
    }];
    let held: HashSet<String> = std::fs::read_to_string(root.join("tests/devset/held-out.txt"))
        .expect("the held-out list")
        .lines()
        .map(|l| l.trim().to_string())
        .collect();
    let mut by_label: BTreeMap<String, Vec<Labelled>> = BTreeMap::new();
    let mut files: Vec<_> = std::fs::read_dir(root.join("tests/devset"))
        .expect("the dev set")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    for f in files {
        for l in std::fs::read_to_string(f).expect("a dev-set file").lines() {
            let a: Labelled = serde_json::from_str(l).expect("a dev-set line");
            if a.question == FLAGSHIP && held.contains(&a.id) {
                by_label.entry(a.overall.clone()).or_default().push(a);
            }
        }
    }
    let mut queues: Vec<std::vec::IntoIter<Labelled>> = ["strong", "average", "weak"]
        .iter()
        .map(|l| by_label.remove(*l).unwrap_or_default().into_iter())
        .collect();
    'fill: while out.len() < count {
        let before = out.len();
        for q in &mut queues {
            if out.len() >= count {
                break 'fill;
            }
            if let Some(a) = q.next() {
                out.push(a);
            }
        }
        if out.len() == before {
            break;
        }
    }
    out
}

fn report(question: &rehearse::questions::Question, text: &str) -> ScoreReport {
    let heard = Heard::text("answer.txt", text);
    assess(&Scorer::new(question), heard)
}

/// One critique, timed from the answer's end; with `ahead`, the request's beginning is read first.
fn critique(
    url: &str,
    model: &str,
    question: &rehearse::questions::Question,
    a: &Labelled,
    report: &ScoreReport,
    ahead: bool,
) -> Run {
    let mut e = Endpoint::new(url, model);
    e.cache_prompt = Some(ahead);
    let client = LlmClient::new(e).expect("a client");
    let prompts = Prompts::load(None).expect("the built-in prompts");
    let mut interviewer =
        Interviewer::new(question, 90, Some(client), prompts).expect("an interviewer");
    if ahead {
        let words: Vec<&str> = report.transcript.text.split_whitespace().collect();
        let settled = words[..words.len() * 85 / 100].join(" ");
        if let (Some(reader), Some(m)) = (
            interviewer.read_ahead(),
            interviewer.prefix(&question.text, 0, &settled),
        ) {
            reader.send(m);
            reader.finish();
        }
    }
    let turn = Turn {
        asked: &question.text,
        round: 0,
        report,
    };
    let started = Instant::now();
    let mut first = None;
    let critique = interviewer.critique(&turn, &mut |p| {
        if let Progress::Partial(_) = p {
            first.get_or_insert_with(|| started.elapsed());
        }
    });
    let whole = started.elapsed();
    if let Ok(path) = std::env::var("REHEARSE_BENCH_DUMP") {
        use std::io::Write as _;
        let local: BTreeMap<&str, u8> = report
            .score
            .dimensions
            .iter()
            .map(|d| (d.id.as_str(), d.level))
            .collect();
        let line = serde_json::json!({
            "id": a.id, "ahead": ahead, "overall": a.overall, "labels": a.dimensions,
            "local": local, "critique": critique,
        });
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .expect("the dump file opens");
        writeln!(f, "{line}").expect("the dump file can be written");
    }
    if let Some(e) = interviewer.failure() {
        println!("  {}: {}", a.id, rehearse::error_chain(e));
    }
    let label_level = |l: &str| match l {
        "clear" => 4,
        "partial" => 2,
        _ => 0,
    };
    let levels = critique
        .as_ref()
        .map(|c| {
            c.dimensions
                .iter()
                .filter_map(|v| {
                    let label = a.dimensions.get(&v.id)?;
                    let local = report.score.dimensions.iter().find(|d| d.id == v.id)?;
                    let shown = v.score.unwrap_or(local.level);
                    Some((label_level(label), shown, v.score))
                })
                .collect()
        })
        .unwrap_or_default();
    Run {
        overall: a.overall.clone(),
        first,
        whole,
        critique,
        levels,
    }
}

fn line(id: &str, mode: &str, r: &Run) {
    let check = r.critique.as_ref().and_then(|c| c.check.clone());
    println!(
        "  {id:<36} {mode:<10} {:<6} first {:>6} whole {:>6.1} s  quotes {}",
        r.overall,
        r.first
            .map_or("-".into(), |f| format!("{:.1} s", f.as_secs_f64())),
        r.whole.as_secs_f64(),
        check.map_or("-".into(), |c| format!(
            "{}/{} verbatim, levels {:?}, shared {}, rubric echoes {}",
            c.verbatim, c.quotes, c.levels, c.shared_quotes, c.rubric_echoes
        )),
    );
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn summary(model: &str, warm: &[Run], cold: &[Run]) {
    let done = |runs: &[Run]| runs.iter().filter(|r| r.critique.is_some()).count();
    let times = |runs: &[Run]| {
        let ok: Vec<&Run> = runs.iter().filter(|r| r.critique.is_some()).collect();
        (
            median(
                ok.iter()
                    .filter_map(|r| r.first.map(|f| f.as_secs_f64()))
                    .collect(),
            ),
            median(ok.iter().map(|r| r.whole.as_secs_f64()).collect()),
        )
    };
    let all: Vec<&Run> = warm.iter().chain(cold).collect();
    let (quotes, verbatim) = all
        .iter()
        .filter_map(|r| r.critique.as_ref()?.check.clone())
        .fold((0, 0), |(q, v), c| (q + c.quotes, v + c.verbatim));
    let within = |pick: &dyn Fn(&Levels) -> Option<u8>| {
        let pairs: Vec<(u8, u8)> = warm
            .iter()
            .flat_map(|r| r.levels.iter())
            .filter_map(|l| Some((l.0, pick(l)?)))
            .collect();
        let ok = pairs.iter().filter(|(a, b)| a.abs_diff(*b) <= 1).count();
        (ok, pairs.len())
    };
    let (shown_ok, shown_n) = within(&|l| Some(l.1));
    let (model_ok, model_n) = within(&|l| l.2);
    let weak: Vec<f64> = warm
        .iter()
        .filter(|r| r.overall == "weak")
        .flat_map(|r| r.levels.iter().map(|l| f64::from(l.1)))
        .collect();
    let weak_model: Vec<f64> = warm
        .iter()
        .filter(|r| r.overall == "weak")
        .flat_map(|r| r.levels.iter().filter_map(|l| l.2.map(f64::from)))
        .collect();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let (wf, ww) = times(warm);
    let (cf, cw) = times(cold);
    println!(
        "\n| model | completed | first text (read ahead / cold) | whole critique (read ahead / cold) | verbatim quotes | levels within one (shown / model's) | mean level on weak (shown / model's) |"
    );
    println!("|---|---|---|---|---|---|---|");
    println!(
        "| {model} | {}/{} + {}/{} cold | {wf:.1} s / {cf:.1} s | {ww:.1} s / {cw:.1} s | {verbatim}/{quotes} | {:.0} % / {:.0} % (n={shown_n}) | {:.2} / {:.2} |",
        done(warm),
        warm.len(),
        done(cold),
        cold.len(),
        100.0 * shown_ok as f64 / shown_n.max(1) as f64,
        100.0 * model_ok as f64 / model_n.max(1) as f64,
        mean(&weak),
        mean(&weak_model),
    );
}
