//! Properties of the page reader: it never panics, whatever the input, and every diagnostic
//! it reports points at a line and column inside that input.

use graph_conformance::derive::{PageSource, derive};
use graph_conformance::docs::read_page;
use proptest::prelude::*;

/// Fragments that real pages are made of, so that random sequences reach deep parser paths.
const FRAGMENTS: &[&str] = &[
    "---\n",
    "title: \"Update x\"\n",
    "author: **TODO: name**\n",
    "# Update widget\n",
    "# [HTTP](#tab/http)\n",
    "## HTTP request\n",
    "### HTTP Request\n",
    "## Request body\n",
    "## Response\n",
    "## Example\n",
    "### Request\n",
    "### Response\n",
    "``` http\n",
    "```json\n",
    "```\n",
    "PATCH /widgets/{widgetId}\n",
    "POST https://graph.microsoft.com/beta/widgets\n",
    "GET /me/{id | userPrincipalName}\n",
    "DELETE /x/$ref\n",
    "|Property|Type|Description|\n",
    "|:---|:---|:---|\n",
    "| Name\t| Type |\n",
    "|id|String|The key.|\n",
    "|state|widgetState|Possible values are: `on`, `off`.|\n",
    "|when|DateTimeOffset|A time<br>of day.|\n",
    "|tags|String collection|Tags\n",
    "|Parameter|Type|Description|\n",
    "If successful, this method returns a `201 Created` response code.\n",
    "returns `204 No Content`\n",
    "HTTP/1.1 200 OK\n",
    "HTTP 201 Created\n",
    "Content-type: application/json\n",
    "Content-Length: 9999\n",
    "{\n",
    "}\n",
    "[\n",
    "]\n",
    "  \"state\": \"on\",\n",
    "  \"state\": \"String\"\n",
    "  \"when\": \"2016-12-31T23:58:36.6670033-08:00\"\n",
    "  \"@odata.type\": \"#microsoft.graph.widget\"\n",
    "<!-- { \"blockType\": \"request\" } -->\n",
    "[!INCLUDE [sample-code](../includes/x.md)]\n",
    "\n",
    "\r\n",
    "\u{feff}",
    "\t",
    "é",
    "`",
    "|",
    "{",
    "}",
    "\"",
    "**",
    "> note\n",
    "    indented code\n",
    "1. item\n",
    "- item\n",
];

fn fragment_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(FRAGMENTS), 0..80).prop_map(|parts| parts.concat())
}

fn assert_spans_inside(name: &str, text: &str) -> Result<(), TestCaseError> {
    let report = read_page(name, text);
    let lines = u32::try_from(text.split('\n').count()).unwrap();
    for d in &report.diagnostics {
        prop_assert_eq!(&d.span.file, name);
        prop_assert!(
            d.span.line >= 1 && d.span.line <= lines,
            "{} outside {} lines",
            d,
            lines
        );
        prop_assert!(d.span.col >= 1, "{}", d);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_never_panics_and_spans_stay_inside(text in "\\PC{0,400}") {
        assert_spans_inside("any.md", &text)?;
    }

    #[test]
    fn page_shaped_fragments_never_panic_and_spans_stay_inside(text in fragment_soup()) {
        assert_spans_inside("soup.md", &text)?;
    }

    #[test]
    fn mutated_page_never_panics(
        cut in 0usize..2000,
        len in 0usize..200,
        insert in prop::sample::select(FRAGMENTS),
        at in 0usize..2000,
    ) {
        let page = include_str!("fixtures/mutation_base.md");
        let mut bytes = page.as_bytes().to_vec();
        let cut = cut.min(bytes.len());
        let end = (cut + len).min(bytes.len());
        bytes.drain(cut..end);
        let at = at.min(bytes.len());
        bytes.splice(at..at, insert.bytes());
        let text = String::from_utf8_lossy(&bytes).into_owned();
        assert_spans_inside("mutated.md", &text)?;
    }

    #[test]
    fn derive_over_several_soups_never_panics(texts in prop::collection::vec(fragment_soup(), 1..5)) {
        let pages: Vec<PageSource> = texts
            .into_iter()
            .enumerate()
            .map(|(i, text)| PageSource { name: format!("p{i}.md"), text })
            .collect();
        let derivation = derive(&pages);
        prop_assert!(derivation.contract.operations.len() <= pages.len());
    }
}
