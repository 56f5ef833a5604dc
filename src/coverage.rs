//! What a derivation covered: pages read, operations per kind, the pages that yielded none
//! and why, and the diagnostics per code; printed as a table at the end of `derive` and
//! written as JSON for CI dashboards (`derive --coverage FILE.json`).

use crate::derive::Derivation;
use crate::diagnostic::Severity;
use crate::model::OperationKind;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The coverage of one derivation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// Method pages read (every page given but the resource and enum pages).
    pub pages: usize,
    /// Pages that yielded an operation or joined one documented on another page.
    pub pages_with_operation: usize,
    /// Operations per kind (every kind listed, zero included).
    pub operations: BTreeMap<String, usize>,
    /// Pages that yielded no operation, per the code of the diagnostic that says why.
    pub skipped: BTreeMap<String, usize>,
    /// Pages that yielded no operation and have no error or note saying why (always zero
    /// unless derive has a bug: every such page must be explained).
    pub unexplained: usize,
    /// Diagnostics per severity and code (`warning[content-length]`).
    pub diagnostics: BTreeMap<String, usize>,
}

/// A coverage below its floor.
#[derive(Debug, Clone, PartialEq)]
pub struct Shortfall {
    pub percent: f64,
    pub floor: u8,
    pub unexplained: usize,
}

impl std::fmt::Display for Shortfall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "coverage {:.1} % ", self.percent)?;
        if self.percent < f64::from(self.floor) {
            write!(f, "is below the floor of {} %", self.floor)?;
        } else {
            write!(f, "meets the floor of {} %", self.floor)?;
        }
        if self.unexplained > 0 {
            write!(
                f,
                ", and {} pages yield nothing with no note saying why",
                self.unexplained
            )?;
        }
        Ok(())
    }
}

impl Coverage {
    /// Measures `derivation`, whose pages were the files `pages` names.
    pub fn of(derivation: &Derivation, pages: &[String]) -> Coverage {
        let resource_pages: BTreeSet<&str> = derivation
            .resource_pages
            .iter()
            .map(String::as_str)
            .collect();
        let pages: Vec<&String> = pages
            .iter()
            .filter(|p| !resource_pages.contains(p.as_str()))
            .collect();
        let contract = &derivation.contract;
        let mut yielded: BTreeSet<&str> = BTreeSet::new();
        for op in &contract.operations {
            yielded.insert(op.page.as_str());
            yielded.extend(op.spans.merged.iter().map(|s| s.file.as_str()));
        }
        let mut operations: BTreeMap<String, usize> = OperationKind::ALL
            .iter()
            .map(|k| (k.verb().to_string(), 0))
            .collect();
        for op in &contract.operations {
            *operations.entry(op.kind.verb().to_string()).or_default() += 1;
        }
        let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
        let mut unexplained = 0;
        for page in pages.iter().filter(|p| !yielded.contains(p.as_str())) {
            let why = derivation.diagnostics.iter().find(|d| {
                d.span.file == **page && matches!(d.severity, Severity::Error | Severity::Note)
            });
            match why {
                Some(d) => *skipped.entry(d.code.as_str().to_string()).or_default() += 1,
                None => unexplained += 1,
            }
        }
        let mut diagnostics: BTreeMap<String, usize> = BTreeMap::new();
        for d in &derivation.diagnostics {
            let key = format!("{}[{}]", d.severity.as_str(), d.code.as_str());
            *diagnostics.entry(key).or_default() += 1;
        }
        Coverage {
            pages: pages.len(),
            pages_with_operation: pages
                .iter()
                .filter(|p| yielded.contains(p.as_str()))
                .count(),
            operations,
            skipped,
            unexplained,
            diagnostics,
        }
    }

    /// The share of pages that yielded an operation, in percent (100 for no pages).
    pub fn percent(&self) -> f64 {
        if self.pages == 0 {
            return 100.0;
        }
        self.pages_with_operation as f64 * 100.0 / self.pages as f64
    }

    /// How the coverage falls short of a floor of `floor` percent (`derive --min-coverage`),
    /// if it does: below the floor, or with a page that yields nothing unexplained.
    pub fn shortfall(&self, floor: u8) -> Option<Shortfall> {
        let percent = self.percent();
        (percent < f64::from(floor) || self.unexplained > 0).then_some(Shortfall {
            percent,
            floor,
            unexplained: self.unexplained,
        })
    }

    /// The table printed at the end of `derive`.
    pub fn table(&self) -> String {
        let mut out = format!(
            "coverage: {} of {} pages yield an operation ({:.1} %)\n",
            self.pages_with_operation,
            self.pages,
            self.percent()
        );
        let row = |out: &mut String, label: &str, n: usize| {
            out.push_str(&format!("  {label:<40} {n:>6}\n"));
        };
        out.push_str("operations per kind:\n");
        for (kind, n) in &self.operations {
            row(&mut out, kind, *n);
        }
        out.push_str("pages without an operation, per reason:\n");
        for (code, n) in &self.skipped {
            row(&mut out, code, *n);
        }
        if self.unexplained > 0 {
            row(&mut out, "unexplained", self.unexplained);
        }
        out.push_str("diagnostics per code:\n");
        for (code, n) in &self.diagnostics {
            row(&mut out, code, *n);
        }
        out.trim_end().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn coverage(pages: usize, with_operation: usize, unexplained: usize) -> Coverage {
        Coverage {
            pages,
            pages_with_operation: with_operation,
            operations: BTreeMap::new(),
            skipped: BTreeMap::new(),
            unexplained,
            diagnostics: BTreeMap::new(),
        }
    }

    #[rstest]
    #[case::at_the_floor(coverage(10, 9, 0), 90, None)]
    #[case::above_the_floor(coverage(10, 10, 0), 90, None)]
    #[case::below_the_floor(
        coverage(10, 8, 0),
        90,
        Some("coverage 80.0 % is below the floor of 90 %")
    )]
    #[case::a_page_unexplained(
        coverage(10, 10, 1),
        90,
        Some(
            "coverage 100.0 % meets the floor of 90 %, and 1 pages yield nothing with no note saying why"
        )
    )]
    #[case::no_pages_is_full_coverage(coverage(0, 0, 0), 100, None)]
    fn a_coverage_falls_short_below_its_floor_or_with_a_page_unexplained(
        #[case] coverage: Coverage,
        #[case] floor: u8,
        #[case] expected: Option<&str>,
    ) {
        let shortfall = coverage.shortfall(floor).map(|s| s.to_string());
        assert_eq!(shortfall.as_deref(), expected);
    }
}
