/// The report page's inline style sheet: the page must work as one file, offline, without
/// JavaScript, so nothing is loaded from anywhere. The sequence diagrams are styled here too (by
/// class), which keeps each SVG element short at a thousand cases.
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
    [hidden] { display: none !important; }
    .filters { display: flex; flex-wrap: wrap; align-items: center; gap: .4rem 1rem; padding: .5rem .75rem;
               background: var(--soft); border: 1px solid var(--line); border-radius: 6px; position: sticky; top: 0; z-index: 1; }
    .filters h2 { font-size: 1rem; margin: 0; width: 100%; }
    .filters .meta { margin: 0; }
    .js .pick { cursor: pointer; text-decoration: underline dotted; }
    .seqwrap { overflow-x: auto; }
    svg.seq { display: block; font: 11px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
    svg.seq .life { stroke: #8c959f; stroke-dasharray: 4 3; }
    svg.seq .head { fill: var(--soft); stroke: #57606a; }
    svg.seq .headt, svg.seq .l, svg.seq .nt, svg.seq .gap { text-anchor: middle; }
    svg.seq .headt { font-weight: 700; }
    svg.seq .t { fill: #57606a; }
    svg.seq .gap { fill: #57606a; font-style: italic; }
    svg.seq .arr { fill: none; stroke: #1f2328; stroke-width: 1.2; }
    svg.seq .note { fill: #fff8c5; stroke: var(--warn); }
    svg.seq .n-close, svg.seq .n-timeout, svg.seq .n-abandon { fill: #eaeef2; stroke: #57606a; }
    svg.seq .n-refuse, svg.seq .n-auth, svg.seq .n-malformed, svg.seq .n-drop { fill: #ffebe9; stroke: var(--fail); }
    svg.seq .n-fault { fill: #fbefff; stroke: var(--error); }
    svg.seq a:hover text { text-decoration: underline; }
    svg.seq .h .arr { stroke-width: 3; }
    svg.seq .h-fail .arr, svg.seq .h-fail .note { stroke: var(--fail); } svg.seq .h-fail text { fill: var(--fail); }
    svg.seq .h-error .arr, svg.seq .h-error .note { stroke: var(--error); } svg.seq .h-error text { fill: var(--error); }
    svg.seq .h-warn .arr, svg.seq .h-warn .note { stroke: var(--warn); } svg.seq .h-warn text { fill: var(--warn); }
    svg.seq .h-xfail .arr, svg.seq .h-xfail .note { stroke: var(--xfail); } svg.seq .h-xfail text { fill: var(--xfail); }
    svg.seq .h .note { stroke-width: 2.5; }
    svg.seq .rq { font-weight: 700; }
    section.case, tr[id], svg.seq g[id] { scroll-margin-top: 7.5rem; }
    section.case { content-visibility: auto; contain-intrinsic-size: auto 1200px; }
    """
}
