/// `/admin/assets/dashboard.css`: one file, light and dark, readable from a phone to a laptop.
enum Stylesheet {
    static let text = """
        :root { --bg: #ffffff; --fg: #1b1f24; --muted: #5b6470; --line: #d8dde3; --card: #f5f7f9; --link: #0b5cad;
          --passed: #1a7f37; --failed: #c62828; --pending: #9a6700; --focus: #0b5cad; }
        @media (prefers-color-scheme: dark) {
          :root { --bg: #0f1216; --fg: #e6e9ed; --muted: #9aa4af; --line: #2b323b; --card: #171c22; --link: #6cb6ff;
            --passed: #3fb950; --failed: #f85149; --pending: #d29922; --focus: #6cb6ff; }
        }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--fg); }
        a { color: var(--link); }
        a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible { outline: 2px solid var(--focus); outline-offset: 2px; }
        header.top { display: flex; flex-wrap: wrap; gap: .5rem 1.25rem; align-items: center; padding: .6rem 1rem; border-bottom: 1px solid var(--line); }
        header.top .brand { font-weight: 700; text-decoration: none; color: var(--fg); }
        header.top nav { display: flex; flex-wrap: wrap; gap: .25rem 1rem; }
        header.top .logout { margin-left: auto; display: flex; gap: .5rem; align-items: center; }
        .who { color: var(--muted); }
        main { padding: 1rem; max-width: 1400px; margin: 0 auto; }
        h1 { font-size: 1.4rem; margin: .4rem 0 1rem; overflow-wrap: anywhere; }
        h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
        .note, small { color: var(--muted); }
        main p, main li { overflow-wrap: anywhere; }
        .error { color: var(--failed); }
        .empty { padding: 1rem; background: var(--card); border-radius: 6px; }
        .mono, code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9em; }
        .wrap { overflow-wrap: anywhere; white-space: pre-wrap; }
        .scroll { overflow-x: auto; }
        /* A cell that may break anywhere would otherwise shrink to one character on a phone. */
        .scroll td.wrap { min-width: 14rem; }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { font-weight: 600; color: var(--muted); white-space: nowrap; }
        .num { text-align: right; font-variant-numeric: tabular-nums; }
        .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); gap: .75rem; }
        .card { display: flex; flex-direction: column; padding: .75rem 1rem; background: var(--card); border-radius: 8px; text-decoration: none; color: var(--fg); border-left: 4px solid var(--line); }
        .card .value { font-size: 1.8rem; font-weight: 700; font-variant-numeric: tabular-nums; }
        .card.passed { border-left-color: var(--passed); } .card.failed { border-left-color: var(--failed); } .card.pending { border-left-color: var(--pending); }
        .status { font-weight: 600; } .status.passed, .passed { color: var(--passed); } .status.failed, .failed { color: var(--failed); } .status.pending { color: var(--pending); }
        .status.big { font-size: 1.2rem; }
        tr.stuck td { background: color-mix(in srgb, var(--failed) 10%, transparent); }
        form.filters { display: grid; grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr)); gap: .6rem 1rem; margin-bottom: 1rem; }
        form.filters .wide { grid-column: 1 / -1; }
        form.filters fieldset { grid-column: 1 / -1; border: 1px solid var(--line); border-radius: 6px; display: flex; flex-wrap: wrap; gap: .25rem 1rem; }
        label { display: flex; flex-direction: column; gap: .2rem; }
        label.check { flex-direction: row; align-items: center; gap: .3rem; }
        input, select, button { font: inherit; padding: .4rem .5rem; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); }
        button, .button { background: var(--link); color: var(--bg); border: none; cursor: pointer; padding: .45rem .9rem; border-radius: 6px; text-decoration: none; display: inline-block; }
        .logout button { background: transparent; color: var(--link); border: 1px solid var(--line); }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; }
        dl.facts dt { color: var(--muted); }
        dl.facts dd { margin: 0; overflow-wrap: anywhere; }
        .login { max-width: 22rem; margin: 3rem auto; display: grid; gap: .75rem; }
        .login form { display: grid; gap: .75rem; }
        nav.pages { display: flex; gap: 1rem; margin: 1rem 0; }
        .rates { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; padding: 0; list-style: none; }
        @media (max-width: 640px) {
          main { padding: .6rem; }
          table.requests thead { display: none; }
          table.requests tr { display: block; border-bottom: 1px solid var(--line); padding: .4rem 0; }
          table.requests td { display: block; border: none; padding: .1rem 0; text-align: left; }
          table.requests td[data-label]::before { content: attr(data-label) ": "; color: var(--muted); }
          dl.facts { grid-template-columns: 1fr; }
          header.top .logout { margin-left: 0; }
        }
        """
}
