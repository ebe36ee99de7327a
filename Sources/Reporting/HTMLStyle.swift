/// The report page's inline style sheet: the page must work as one file, offline, without
/// JavaScript, so nothing is loaded from anywhere.
enum HTMLStyle {
    static let css = """
    :root { color-scheme: light; --pass: #1a7f37; --fail: #cf222e; --error: #8250df; --skip: #6e7781;
            --xfail: #0969da; --warn: #9a6700; --line: #d0d7de; --soft: #f6f8fa; }
    * { box-sizing: border-box; }
    body { font: 14px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0 auto;
           max-width: 1200px; padding: 1.5rem; color: #1f2328; background: #fff; }
    h1 { font-size: 1.6rem; margin: 0 0 .25rem; word-break: break-word; }
    h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; word-break: break-word; }
    h3 { font-size: 1rem; margin: 1rem 0 .4rem; }
    code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
    pre { white-space: pre-wrap; word-break: break-all; margin: 0; }
    table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
    th, td { border: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
    th { background: var(--soft); }
    td.num { text-align: right; white-space: nowrap; }
    .meta { color: #57606a; margin: 0 0 1rem; }
    .banner { display: inline-block; font-weight: 700; font-size: 1.3rem; color: #fff; padding: .3rem 1rem;
              border-radius: 6px; margin: .5rem 0; }
    .banner.pass { background: var(--pass); }
    .banner.fail { background: var(--fail); }
    .counts { list-style: none; padding: 0; margin: .5rem 0; display: flex; flex-wrap: wrap; gap: .5rem; }
    .counts li { border: 1px solid var(--line); border-radius: 6px; padding: .2rem .6rem; }
    .badge { display: inline-block; font-weight: 700; font-size: 12px; color: #fff; padding: .05rem .45rem;
             border-radius: 4px; }
    .o-pass { background: var(--pass); } .o-fail { background: var(--fail); } .o-error { background: var(--error); }
    .o-skip { background: var(--skip); } .o-xfail { background: var(--xfail); } .o-warn { background: var(--warn); }
    .t-error { color: var(--error); }
    .case { border-top: 2px solid var(--line); margin-top: 2rem; }
    .req { color: #57606a; font-size: 12.5px; }
    details { margin: .5rem 0; }
    summary { cursor: pointer; font-weight: 600; }
    ul.expected { margin: 0; padding-left: 1.1rem; }
    """
}
