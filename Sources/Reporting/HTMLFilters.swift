import DPSCore
import Verdicts

/// The report page's filters: by case outcome, by suite and by requirement ID. The controls are
/// plain markup, hidden until the inline script shows them, so a page read without JavaScript
/// shows every case and no control that would do nothing. The script reads the `data-outcome`,
/// `data-suite` and `data-reqs` attributes of the case sections and case-table rows and hides
/// the ones that do not match; it loads nothing and uses no library.
enum HTMLFilters {
    static func controls(_ run: RunResult, _ summary: RunSummary) -> String {
        guard !run.cases.isEmpty else { return "" }
        var html = "<section id=\"filters\" class=\"filters\" role=\"search\" hidden>\n<h2>Filter cases</h2>\n"
        html += "<label>Outcome <select id=\"f-outcome\"><option value=\"\">all (\(summary.total))</option>"
        for outcome in VerdictOutcome.allCases {
            html += "<option value=\"\(outcome.rawValue)\">\(VerdictText.label(outcome)) (\(summary.count(outcome)))</option>"
        }
        html += "</select></label>\n"
        var suites: [String: Int] = [:]
        for item in run.cases { suites[item.suite, default: 0] += 1 }
        html += "<label>Suite <select id=\"f-suite\"><option value=\"\">all suites</option>"
        for suite in suites.keys.sorted() {
            html += "<option value=\"\(HTMLText.escape(suite))\">\(HTMLText.escape(suite)) (\(suites[suite] ?? 0))</option>"
        }
        html += "</select></label>\n"
        let requirements = Set(run.cases.flatMap { $0.verdicts.map(\.requirement.rawValue) }).sorted()
        html += "<label>Requirement <input id=\"f-req\" type=\"search\" list=\"f-reqs\" autocomplete=\"off\" spellcheck=\"false\""
        html += " placeholder=\"ID or part of one\"></label>\n<datalist id=\"f-reqs\">"
        html += requirements.map { "<option value=\"\(HTMLText.escape($0))\">" }.joined()
        html += "</datalist>\n<button type=\"button\" id=\"f-clear\">Show all</button>\n"
        html += "<p class=\"meta\" id=\"f-count\" aria-live=\"polite\"></p>\n</section>\n"
        return html
    }

    /// The inline script. It must not contain a closing script tag, and reads only what the page holds.
    static let script = """
    (function () {
      "use strict";
      var panel = document.getElementById("filters");
      if (!panel) { return; }
      var outcome = document.getElementById("f-outcome");
      var suite = document.getElementById("f-suite");
      var requirement = document.getElementById("f-req");
      var count = document.getElementById("f-count");
      var items = document.querySelectorAll("[data-outcome]");
      function apply() {
        var wantOutcome = outcome.value, wantSuite = suite.value;
        var wantRequirement = requirement.value.trim().toUpperCase();
        var shown = 0, total = 0;
        for (var i = 0; i < items.length; i++) {
          var item = items[i];
          var match = (wantOutcome === "" || item.getAttribute("data-outcome") === wantOutcome) &&
            (wantSuite === "" || item.getAttribute("data-suite") === wantSuite) &&
            (wantRequirement === "" || (item.getAttribute("data-reqs") || "").toUpperCase().indexOf(wantRequirement) >= 0);
          item.hidden = !match;
          if (item.tagName === "SECTION") { total++; if (match) { shown++; } }
        }
        count.textContent = shown + " of " + total + " cases shown";
      }
      outcome.addEventListener("change", apply);
      suite.addEventListener("change", apply);
      requirement.addEventListener("input", apply);
      document.getElementById("f-clear").addEventListener("click", function () {
        outcome.value = ""; suite.value = ""; requirement.value = ""; apply();
      });
      var picks = document.querySelectorAll("[data-pick]");
      for (var j = 0; j < picks.length; j++) {
        picks[j].addEventListener("click", function (event) {
          requirement.value = event.currentTarget.getAttribute("data-pick");
          outcome.value = ""; apply();
          panel.scrollIntoView();
        });
      }
      document.body.classList.add("js");
      panel.hidden = false;
      apply();
    })();
    """
}
