//! The report directory is written as one unit: the four reports of a run appear together or
//! the previous four stay, two writers never mix their files, a crash leaves nothing that
//! the next write does not remove, and no symbolic link planted there is ever followed.

use crate::common;

use graph_conformance::atomic_file::write_atomically;
use graph_conformance::report;
use graph_conformance::results::{CaseKind, CaseResult, RunResults};
use rstest::rstest;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// A run with seed `seed` and one passing case (the seed tells which run a file is from).
fn run(seed: u64) -> RunResults {
    let mut info = common::run_info();
    info.seed = seed;
    let case = CaseResult {
        id: "update-widget/valid/001".into(),
        operation: "update-widget".into(),
        kind: CaseKind::Valid,
        verdict: CaseResult::verdict_of(&[]),
        skipped_reason: None,
        exchanges: Vec::new(),
        findings: Vec::new(),
        shrink: None,
        duration_ms: 1.0,
    };
    RunResults::from_vec(info, vec![case]).unwrap()
}

/// The report files in `dir`, by name.
fn reports(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    report::FILES
        .iter()
        .filter_map(|name| Some((name.to_string(), std::fs::read(dir.join(name)).ok()?)))
        .collect()
}

/// Every name in `dir`.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The seed of the run a report file is from, as that file states it.
fn seed_of(name: &str, text: &[u8]) -> Option<u64> {
    let text = String::from_utf8_lossy(text);
    let (before, after) = match name {
        "results.json" => ("\"seed\": ", ","),
        "junit.xml" => ("name=\"seed\" value=\"", "\""),
        "report.html" => ("seed <code>", "</code>"),
        _ => ("seed `", "`"),
    };
    let start = text.find(before)? + before.len();
    let end = start + text[start..].find(after)?;
    text[start..end].parse().ok()
}

/// The seeds the four report files in `dir` state.
fn seeds(dir: &Path) -> Vec<Option<u64>> {
    reports(dir)
        .iter()
        .map(|(name, text)| seed_of(name, text))
        .collect()
}

/// A writer that fails after `room` bytes, as a full disk does.
struct FullDisk {
    inner: std::fs::File,
    room: usize,
}

impl Write for FullDisk {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.room == 0 {
            return Err(std::io::Error::other("no space left on device"));
        }
        let n = buf.len().min(self.room);
        self.room -= n;
        self.inner.write(&buf[..n])
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[rstest]
#[case::results_json("results.json")]
#[case::junit_xml("junit.xml")]
#[case::report_html("report.html")]
#[case::summary_md("summary.md")]
fn reports_are_written_as_one_unit(#[case] failing: &str) {
    let dir = tempfile::tempdir().unwrap();
    report::write(dir.path(), &run(1)).unwrap();
    let before = reports(dir.path());
    assert_eq!(seeds(dir.path()), [Some(1); 4]);
    let outcome = report::write_through(dir.path(), &run(2), |name, file| {
        let room = if name == failing { 100 } else { usize::MAX };
        Box::new(FullDisk { inner: file, room })
    });
    let error = outcome.unwrap_err().to_string();
    assert!(error.contains(failing), "{error}");
    assert_eq!(
        reports(dir.path()),
        before,
        "the previous four stay, none replaced"
    );
    assert_eq!(
        names(dir.path()),
        ["junit.xml", "report.html", "results.json", "summary.md"],
        "no temporary file behind, nor the lock"
    );
    report::write(dir.path(), &run(3)).unwrap();
    assert_eq!(
        seeds(dir.path()),
        [Some(3); 4],
        "the next write replaces all four"
    );
}

#[test]
fn a_second_writer_waits_for_the_first() {
    let dir = tempfile::tempdir().unwrap();
    report::write(dir.path(), &run(1)).unwrap();
    let held = std::fs::File::create(dir.path().join(report::LOCK_FILE)).unwrap();
    held.lock().unwrap();
    let path = dir.path().to_path_buf();
    let writer = std::thread::spawn(move || report::write(&path, &run(2)).map(|_| ()));
    std::thread::sleep(std::time::Duration::from_millis(400));
    assert_eq!(
        seeds(dir.path()),
        [Some(1); 4],
        "nothing written while another writer holds the directory"
    );
    held.unlock().unwrap();
    writer.join().unwrap().unwrap();
    assert_eq!(
        seeds(dir.path()),
        [Some(2); 4],
        "then all four of the second"
    );
    assert!(
        !dir.path().join(report::LOCK_FILE).exists(),
        "the lock file goes with the writer"
    );
}

#[test]
fn concurrent_writers_never_mix_their_reports() {
    let dir = tempfile::tempdir().unwrap();
    let writers: Vec<_> = [11u64, 12]
        .into_iter()
        .map(|seed| {
            let path = dir.path().to_path_buf();
            std::thread::spawn(move || {
                let results = run(seed);
                for _ in 0..15 {
                    report::write(&path, &results).unwrap();
                }
            })
        })
        .collect();
    for writer in writers {
        writer.join().unwrap();
    }
    let seeds = seeds(dir.path());
    assert!(
        seeds == [Some(11); 4] || seeds == [Some(12); 4],
        "all four from one run: {seeds:?}"
    );
}

#[rstest]
#[case::staging_directory(".graph-conformance-tmp-Xa81kq", true)]
#[case::temporary_file(".graph-conformance-tmp-Zz0p1q.tmp", false)]
#[case::probe(".graph-conformance-probe-QwErTy", false)]
#[case::earlier_probe(".write-probe-4242", false)]
#[case::earlier_temporary(".results.json.4242.tmp", false)]
fn leftovers_of_a_crash_are_removed(#[case] leftover: &str, #[case] is_dir: bool) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(leftover);
    if is_dir {
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("results.json"), vec![b'x'; 1 << 20]).unwrap();
    } else {
        std::fs::write(&path, vec![b'x'; 1 << 20]).unwrap();
    }
    for own in [
        "notes.txt",
        ".keep",
        ".results.json.backup",
        ".write-probe-mine",
    ] {
        std::fs::write(dir.path().join(own), "the user's").unwrap();
    }
    report::write(dir.path(), &run(1)).unwrap();
    let names = names(dir.path());
    assert!(!names.contains(&leftover.to_string()), "{names:?}");
    for own in [
        "notes.txt",
        ".keep",
        ".results.json.backup",
        ".write-probe-mine",
    ] {
        assert!(
            names.contains(&own.to_string()),
            "{own} is not ours: {names:?}"
        );
    }
}

#[cfg(unix)]
#[rstest]
#[case::earlier_probe(".write-probe-{pid}")]
#[case::earlier_temporary(".summary.md.{pid}.tmp")]
#[case::earlier_results_temporary(".results.json.{pid}.tmp")]
#[case::report_file("results.json")]
#[case::lock_file(".graph-conformance.lock")]
fn planted_symlink_is_not_followed(#[case] name: &str) {
    let outside = tempfile::tempdir().unwrap();
    let precious = outside.path().join("precious");
    std::fs::write(&precious, "precious data").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let name = name.replace("{pid}", &std::process::id().to_string());
    std::os::unix::fs::symlink(&precious, dir.path().join(&name)).unwrap();
    report::check_writable(dir.path()).unwrap();
    report::write(dir.path(), &run(1)).unwrap();
    write_atomically(&dir.path().join("summary.md"), "again\n").unwrap();
    assert_eq!(
        std::fs::read_to_string(&precious).unwrap(),
        "precious data",
        "the target of {name} is untouched"
    );
    assert_eq!(names(outside.path()), ["precious"]);
    for file in report::FILES {
        let meta = std::fs::symlink_metadata(dir.path().join(file)).unwrap();
        assert!(meta.is_file(), "{file} is a file of its own");
    }
}

#[test]
fn check_writable_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("new").join("reports");
    report::check_writable(&reports).unwrap();
    assert!(names(&reports).is_empty());
}

#[test]
fn check_writable_names_a_directory_it_cannot_create() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let error = report::check_writable(&file.join("reports")).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("cannot create the report directory"),
        "{error}"
    );
    assert!(
        !error.to_string().contains("os error"),
        "the cause is not repeated in the message: {error}"
    );
}

#[rstest]
#[case::staging(".graph-conformance-tmp-abc", true)]
#[case::earlier_probe(".write-probe-12", true)]
#[case::earlier_temporary(".junit.xml.12.tmp", true)]
#[case::a_report("junit.xml", false)]
#[case::the_lock(".graph-conformance.lock", false)]
#[case::a_user_file(".write-probe-", false)]
#[case::a_user_backup(".junit.xml.old.tmp", false)]
fn leftovers_are_told_from_other_files(#[case] name: &str, #[case] leftover: bool) {
    assert_eq!(report::is_leftover(name), leftover);
}
