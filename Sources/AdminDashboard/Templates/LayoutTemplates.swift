/// The frame of every page and the pages that need no data of their own. Mustache escapes
/// every `{{value}}`; only `{{{body}}}`, the page already rendered, goes in unescaped.
enum LayoutTemplates {
    static let layout = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="color-scheme" content="light dark">
        {{#csrfToken}}<meta name="csrf-token" content="{{csrfToken}}">{{/csrfToken}}
        <title>{{title}} · Broadcaster admin</title>
        <link rel="stylesheet" href="/admin/assets/dashboard.css">
        <script src="/admin/assets/dashboard.js" defer></script>
        </head>
        <body>
        <header class="top">
          <a class="brand" href="/admin">Broadcaster</a>
          {{#user}}
          <nav>
            <a href="/admin">Overview</a>
            <a href="/admin/requests">Requests</a>
            <a href="/admin/requests?status=failed&amp;status=reverted">Failed</a>
            {{#isOperator}}<a href="/admin/bulk-retries">Bulk retries</a>{{/isOperator}}
            <a href="/admin/audit">Audit</a>
          </nav>
          <form class="logout" method="post" action="/admin/logout">
            <input type="hidden" name="csrf_token" value="{{csrfToken}}">
            <span class="who">{{user}} · {{role}}</span>
            <button type="submit">Log out</button>
          </form>
          {{/user}}
        </header>
        <main>
        {{{body}}}
        </main>
        </body>
        </html>
        """

    static let login = """
        <section class="login">
        <h1>Log in</h1>
        {{#refused}}<p class="error" role="alert">Wrong user name or password.</p>{{/refused}}
        {{#throttled}}<p class="error" role="alert">Too many login attempts: wait {{wait}} s, then try again.</p>{{/throttled}}
        {{#expired}}<p class="note">Your session ended; log in again.</p>{{/expired}}
        <form method="post" action="/admin/login">
          <label>User name <input name="user" autocomplete="username" required autofocus></label>
          <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
          <button type="submit">Log in</button>
        </form>
        <p class="note">No account? An operator adds users to <code>admin.users</code> with a hash from <code>broadcaster admin-hash-password</code>.</p>
        </section>
        """

    static let error = """
        <section>
        <h1>{{heading}}</h1>
        <p class="error" role="alert">{{message}}</p>
        {{#hint}}<p>{{hint}}</p>{{/hint}}
        <p><a href="{{back}}">{{backLabel}}</a></p>
        </section>
        """
}
