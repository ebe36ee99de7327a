#!/usr/bin/env python3
"""Opens a dpsconform report.html in headless Chromium (Debian's chromium and chromium-driver,
driven by selenium) and checks that the page works as a reader would use it:

- with JavaScript off, every case shows and the filter controls stay hidden;
- it loads nothing (no resource entries) and logs no SEVERE console message;
- the filter panel appears (the inline script ran) and shows every case at first;
- choosing the `fail` outcome leaves exactly the failing cases visible;
- typing a requirement ID leaves exactly the cases with a verdict on it visible;
- a failing case's sequence diagram draws a highlighted (red) arrow or note with the broken
  requirement's ID beside it, linking to that verdict's row. A run without failing cases (the
  default suite, whose broken rules are all expected failures) is checked on its first xfail
  case instead (blue), unless --require-failing-case is given.

Prints one JSON line with the findings (including how long the page took to open) and exits 0
when every check held, 1 when one did not, 2 on bad arguments or when the browser is missing.
Only a file:// URL is opened; Selenium Manager is never asked for a driver (its path is given).
"""

import argparse
import json
import os
import pathlib
import shutil
import sys
import time

BROWSER_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--disable-extensions", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-proxy-server",
                 "--host-resolver-rules=MAP * ~NOTFOUND", "--window-size=1400,1000")

# The outcome colours of the page's style sheet: --fail #cf222e, --xfail #0969da.
COLOURS = {"fail": "rgb(207, 34, 46)", "xfail": "rgb(9, 105, 218)"}


def visible_cases(driver):
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('section.case'))"
        ".filter(function (s) { return !s.hidden && getComputedStyle(s).display !== 'none'; })"
        ".map(function (s) { return {id: s.id, outcome: s.getAttribute('data-outcome'),"
        " reqs: (s.getAttribute('data-reqs') || '').split(' ')}; });")


def exercise(driver, args, findings, check):
    """The checks that use the page: the filters and the failing case's diagram."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    sections = driver.execute_script("return document.querySelectorAll('section.case').length")
    findings["cases"] = sections
    panel = driver.find_element(By.ID, "filters")
    if not check(panel.is_displayed(), "filter panel not shown: the inline script did not run"):
        return
    check(len(visible_cases(driver)) == sections, "not every case visible before filtering")

    # Outcome filter: only failing cases.
    expected_fail = args.expect_fail
    if expected_fail is None:
        expected_fail = driver.execute_script("return document.querySelectorAll('section.case[data-outcome=\"fail\"]').length")
    Select(driver.find_element(By.ID, "f-outcome")).select_by_value("fail")
    shown = visible_cases(driver)
    findings["fail_filter"] = {"visible": len(shown), "expected": expected_fail,
                               "all_fail": all(item["outcome"] == "fail" for item in shown),
                               "status": driver.find_element(By.ID, "f-count").text}
    check(len(shown) == expected_fail, f"fail filter shows {len(shown)} cases, expected {expected_fail}")
    check(findings["fail_filter"]["all_fail"], "fail filter shows a case that did not fail")
    rows = driver.execute_script(
        "return Array.from(document.querySelectorAll('table.cases tr[data-outcome]')).filter(function (r) { return !r.hidden; }).length")
    check(rows == expected_fail, f"case table shows {rows} rows under the fail filter, expected {expected_fail}")
    driver.find_element(By.ID, "f-clear").click()
    check(len(visible_cases(driver)) == sections, "Show all did not bring every case back")

    # The first failing case (or xfail case): its broken requirements and its diagram.
    find_case = (
        "var outcome = arguments[0];"
        "var s = Array.from(document.querySelectorAll('section.case[data-outcome=\"' + outcome + '\"]'))"
        ".find(function (c) { return c.querySelector('svg.seq .h-' + outcome); }); if (!s) return null;"
        "var ids = Array.from(s.querySelectorAll('table.verdicts tr')).filter(function (r) { return r.querySelector('.badge.o-' + outcome); })"
        ".map(function (r) { return r.querySelector('code').textContent; });"
        "return {id: s.id, broken: ids, outcome: outcome};")
    failing = driver.execute_script(find_case, "fail")
    if failing is None and not args.require_failing_case:
        failing = driver.execute_script(find_case, "xfail")
    requirement = args.requirement or (failing["broken"][0] if failing and failing["broken"] else None)

    # Requirement filter.
    if check(requirement is not None, "no requirement to filter by (no failing case and none given)"):
        expected_req = args.expect_requirement_cases
        if expected_req is None:
            expected_req = driver.execute_script(
                "var id = arguments[0]; return Array.from(document.querySelectorAll('section.case'))"
                ".filter(function (s) { return (s.getAttribute('data-reqs') || '').split(' ').indexOf(id) >= 0; }).length;",
                requirement)
        box = driver.find_element(By.ID, "f-req")
        box.clear()
        box.send_keys(requirement)
        shown = visible_cases(driver)
        findings["requirement_filter"] = {"requirement": requirement, "visible": len(shown), "expected": expected_req,
                                          "status": driver.find_element(By.ID, "f-count").text}
        check(len(shown) == expected_req, f"requirement filter shows {len(shown)} cases, expected {expected_req}")
        check(all(requirement in item["reqs"] for item in shown), "requirement filter shows a case without that requirement")
        check(len(shown) > 0, "requirement filter shows no case")
        driver.find_element(By.ID, "f-clear").click()

    # Diagram of the failing case.
    if check(failing is not None, "no failing case with highlighted evidence on the page"):
        driver.execute_script("document.getElementById(arguments[0]).scrollIntoView();", failing["id"])
        marked = driver.execute_script(
            "var s = document.getElementById(arguments[0]); var out = [];"
            "s.querySelectorAll('svg.seq g.h-' + arguments[1]).forEach(function (g) {"
            "  var shape = g.querySelector('path.arr') || g.querySelector('rect.note');"
            "  var box = shape.getBBox();"
            "  g.querySelectorAll('text.rq').forEach(function (t) {"
            "    var link = t.closest('a'); var target = link ? document.getElementById(link.getAttribute('href').slice(1)) : null;"
            "    var tb = t.getBBox();"
            "    out.push({event: g.id, shape: shape.tagName, stroke: getComputedStyle(shape).stroke,"
            "              id: t.textContent, link_target: target ? target.querySelector('code').textContent : null,"
            "              dy: Math.abs((tb.y + tb.height / 2) - (box.y + box.height / 2))});"
            "  });"
            "});"
            "return out;", failing["id"], failing["outcome"])
        findings["svg"] = {"case": failing["id"], "outcome": failing["outcome"], "broken": failing["broken"], "highlighted": marked[:5],
                           "highlighted_count": len(marked)}
        good = [m for m in marked if m["id"] in failing["broken"] and m["stroke"] == COLOURS[failing["outcome"]]
                and m["link_target"] == m["id"] and m["dy"] < 15]
        check(len(good) > 0, f"no {failing['outcome']}-coloured arrow or note with a broken requirement's ID beside it"
                             f" in the diagram of {failing['id']}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("report", help="the report.html to open")
    parser.add_argument("--expect-fail", type=int, help="number of cases whose outcome is fail (else counted from the page)")
    parser.add_argument("--requirement", help="requirement ID to filter by (else the first broken one on the page)")
    parser.add_argument("--expect-requirement-cases", type=int, help="cases with a verdict on --requirement")
    parser.add_argument("--require-failing-case", action="store_true",
                        help="fail when no case failed (else an xfail case stands in for the diagram check)")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument("--chromedriver", default=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    parser.add_argument("--timeout", type=float, default=300, help="page load limit in seconds")
    args = parser.parse_args()

    report = pathlib.Path(args.report).resolve()
    findings = {"file": str(report), "ok": False, "failures": []}
    failures = findings["failures"]

    def check(condition, message):
        if not condition:
            failures.append(message)
        return condition

    if not report.is_file():
        findings["failures"].append("no such file")
        print(json.dumps(findings))
        return 2
    for tool in (args.chromium, args.chromedriver):
        if not (os.path.isfile(tool) and os.access(tool, os.X_OK)):
            findings["failures"].append(f"missing browser tool {tool}: run ci/install-deps.sh")
            print(json.dumps(findings))
            return 2
    findings["bytes"] = report.stat().st_size

    from selenium import webdriver
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.service import Service

    def chrome(javascript):
        options = webdriver.ChromeOptions()
        options.binary_location = args.chromium
        for flag in BROWSER_FLAGS:
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        if not javascript:
            options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
        return webdriver.Chrome(service=Service(executable_path=args.chromedriver), options=options)

    # Without JavaScript: the page as a mail client or a locked-down viewer shows it.
    driver = chrome(javascript=False)
    try:
        driver.set_page_load_timeout(args.timeout)
        driver.get(report.as_uri())
        # WebDriver's own scripts still run; the page's do not.
        state = driver.execute_script(
            "function shown(e) { return !!e && e.getClientRects().length > 0 && getComputedStyle(e).display !== 'none'; }"
            "var sections = Array.from(document.querySelectorAll('section.case'));"
            "return {cases: sections.length, visible: sections.filter(shown).length,"
            " filter_panel_shown: shown(document.getElementById('filters')), script_ran: document.body.classList.contains('js')};")
        findings["no_javascript"] = state
        panel = state["filter_panel_shown"]
        check(not state["script_ran"], "the script ran although JavaScript was off (the check proves nothing)")
        check(state["visible"] == state["cases"], f"without JavaScript {state['visible']} of {state['cases']} cases show")
        check(not panel, "without JavaScript the filter controls show, though they would do nothing")
    except WebDriverException as error:
        check(False, f"without JavaScript: {type(error).__name__}: {(error.msg or '').splitlines()[0] if error.msg else error}")
    finally:
        driver.quit()

    driver = chrome(javascript=True)
    try:
        driver.set_page_load_timeout(args.timeout)
        started = time.monotonic()
        driver.get(report.as_uri())  # returns once the load event has fired
        findings["load_seconds"] = round(time.monotonic() - started, 3)
        timing = driver.execute_script(
            "var n = performance.getEntriesByType('navigation')[0];"
            "return n ? {dom_content_loaded_ms: Math.round(n.domContentLoadedEventEnd), load_ms: Math.round(n.loadEventEnd)} : {};")
        findings.update(timing)
        findings["ready_state"] = driver.execute_script("return document.readyState")
        findings["resources_loaded"] = driver.execute_script("return performance.getEntriesByType('resource').length")
        check(findings["resources_loaded"] == 0, "the page loaded other resources")

        try:
            exercise(driver, args, findings, check)
        except WebDriverException as error:
            check(False, f"{type(error).__name__}: {(error.msg or '').splitlines()[0] if error.msg else error}")
        severe = [entry for entry in driver.get_log("browser") if entry.get("level") == "SEVERE"]
        findings["severe_console"] = [entry.get("message") for entry in severe]
        check(not severe, "SEVERE console messages")
    finally:
        driver.quit()

    findings["ok"] = not failures
    print(json.dumps(findings))
    return 0 if findings["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
