/// The list of requests and one request's page.
enum RequestTemplates {
    static let list = """
        <h1>Requests</h1>
        <form class="filters" method="get" action="/admin/requests">
          <label class="wide">Search <input name="q" value="{{filters.q}}" placeholder="request id, 0x hash, address, 0x selector or Idempotency-Key"></label>
          <fieldset><legend>Status</legend>
          {{#statusOptions}}<label class="check"><input type="checkbox" name="status" value="{{name}}"{{#checked}} checked{{/checked}}> {{name}}</label>{{/statusOptions}}
          </fieldset>
          <label>Sender <input name="sender" value="{{filters.sender}}" placeholder="0x…"></label>
          <label>Contract <input name="contract" value="{{filters.contract}}" placeholder="0x…"></label>
          <label>Message type <input name="type" value="{{filters.type}}" placeholder="exactly as callers send it"></label>
          <label>From (UTC) <input name="from" value="{{filters.from}}" placeholder="2026-12-01T16:00"></label>
          <label>To (UTC) <input name="to" value="{{filters.to}}" placeholder="2026-12-01T17:00"></label>
          {{#showCaller}}<label>Caller (for a key) <input name="caller" value="{{filters.caller}}" placeholder="any configured caller"></label>{{/showCaller}}
          <div class="actions"><button type="submit">Apply</button> <a href="/admin/requests">Clear</a></div>
        </form>
        {{^empty(problems)}}<div class="error" role="alert"><p>These filters could not be read, so nothing was searched:</p><ul>{{#problems}}<li>{{.}}</li>{{/problems}}</ul><p>Correct them and apply again.</p></div>{{/empty(problems)}}
        {{#searchedAs}}<p class="note">Searched “{{filters.q}}” as a {{searchedAs}}.</p>{{/searchedAs}}
        {{^empty(rows)}}
        <div class="scroll"><table class="requests"><thead><tr><th>Request</th><th>Message type</th><th>Sender</th><th class="num">Nonce</th><th>Status</th><th class="num">Sends</th><th>Last error</th><th>Stored (UTC)</th></tr></thead><tbody>
        {{#rows}}<tr>
          <td><a class="mono" href="/admin/requests/{{id}}">{{id}}</a></td>
          <td data-label="Type">{{messageType}}</td>
          <td class="mono" data-label="Sender">{{sender}}</td>
          <td class="num" data-label="Nonce">{{nonce}}</td>
          <td data-label="Status"><span class="status {{statusClass}}">{{status}}</span></td>
          <td class="num" data-label="Sends">{{attempts}}</td>
          <td data-label="Last error">{{lastErrorClass}}</td>
          <td data-label="Stored"><time datetime="{{created.iso}}">{{created.utc}}</time> <small>{{created.age}}</small></td>
        </tr>{{/rows}}
        </tbody></table></div>
        {{/empty(rows)}}
        {{^rows}}{{#empty(problems)}}<p class="empty">No request matches. Widen the filters (fewer statuses, a longer time range), check the search text, or <a href="/admin/requests">clear them all</a>.</p>{{/empty(problems)}}{{/rows}}
        <nav class="pages">{{#firstPageURL}}<a href="{{firstPageURL}}">First page</a>{{/firstPageURL}} {{#nextPageURL}}<a rel="next" href="{{nextPageURL}}">Older →</a>{{/nextPageURL}}</nav>
        {{#isOperator}}{{#bulkURL}}<p><a href="{{bulkURL}}">Retry the failed and reverted requests of these filters in bulk…</a></p>{{/bulkURL}}{{/isOperator}}
        """

    static let detail = """
        <h1>Request <span class="mono">{{id}}</span></h1>
        <p><span class="status {{statusClass}} big">{{status}}</span>
        {{#canRetry}}<a class="button" href="/admin/requests/{{id}}/retry">Retry…</a>{{/canRetry}}
        {{#retryable}}{{^canRetry}}<span class="note">Failed and not retried; an operator may retry it.</span>{{/canRetry}}{{/retryable}}</p>
        {{#outcomeReason}}<p class="error">{{.}}</p>{{/outcomeReason}}
        {{#giveUpReason}}<p class="note">Given up: {{.}}</p>{{/giveUpReason}}
        {{#lastError}}<p class="note">Last error: {{.}}</p>{{/lastError}}
        <section><h2>Lineage</h2>
        <ul>
        {{#retryOf}}<li>Retry of <a class="mono" href="/admin/requests/{{.}}">{{.}}</a></li>{{/retryOf}}
        {{#retriedAs}}<li>Retried as <a class="mono" href="/admin/requests/{{.}}">{{.}}</a></li>{{/retriedAs}}
        {{^retryOf}}{{^retriedAs}}<li>Neither a retry nor retried.</li>{{/retriedAs}}{{/retryOf}}
        </ul></section>
        <section><h2>As received</h2>
        <dl class="facts">
          <dt>Message type</dt><dd>{{messageType}}</dd>
          <dt>Function</dt><dd class="mono">{{function}}</dd>
          <dt>Sender</dt><dd class="mono"><a href="/admin/requests?sender={{sender}}">{{sender}}</a></dd>
          <dt>Contract</dt><dd class="mono"><a href="/admin/requests?contract={{contract}}">{{contract}}</a></dd>
          <dt>Nonce</dt><dd>{{nonce}}</dd>
          <dt>Accepted by the API</dt><dd>{{accepted.utc}} <small>{{accepted.age}}</small></dd>
          <dt>Stored</dt><dd>{{created.utc}} <small>{{created.age}}</small></dd>
          <dt>Last change</dt><dd>{{updated.utc}} <small>{{updated.age}}</small></dd>
          {{#sourceTopic}}<dt>Consumed from</dt><dd>{{sourceTopic}} / {{sourcePartition}}</dd>{{/sourceTopic}}
        </dl></section>
        <section><h2>Calldata</h2>
        {{#calldata}}
        {{#selector}}<p>Selector <span class="mono">{{selector}}</span> · {{bytes}} bytes</p>{{/selector}}
        {{#decodeProblem}}<p class="note">{{.}}</p>{{/decodeProblem}}
        {{^empty(arguments)}}<table class="arguments"><thead><tr><th>Parameter</th><th>Type</th><th>Value</th></tr></thead><tbody>
        {{#arguments}}<tr><td>{{name}}</td><td class="mono">{{type}}</td><td class="mono wrap">{{value}}</td></tr>{{/arguments}}
        </tbody></table>{{/empty(arguments)}}
        <details><summary>Hex</summary><pre class="wrap">{{hex}}</pre></details>
        <details><summary>As UTF-8</summary><pre class="wrap">{{utf8}}</pre></details>
        {{/calldata}}
        </section>
        <section><h2>Signed versions</h2>
        <div class="scroll"><table><thead><tr><th class="num">#</th><th>Kind</th><th>Hash</th><th>Max fee</th><th>Max tip</th><th>Signed (UTC)</th></tr></thead><tbody>
        {{#versions}}<tr><td class="num">{{number}}</td><td>{{kind}}</td><td class="mono wrap">{{#explorerURL}}<a href="{{explorerURL}}" rel="noreferrer">{{hash}}</a>{{/explorerURL}}{{^explorerURL}}{{hash}}{{/explorerURL}}</td><td>{{maxFeePerGas}}</td><td>{{maxPriorityFeePerGas}}</td><td>{{signed.utc}}</td></tr>{{/versions}}
        </tbody></table></div></section>
        <section><h2>Sends</h2>
        {{^empty(attempts)}}<div class="scroll"><table><thead><tr><th class="num">#</th><th class="num">Version</th><th>Started (UTC)</th><th>Endpoint</th><th class="num">ms</th><th>Outcome</th><th>Error class</th><th>Error</th></tr></thead><tbody>
        {{#attempts}}<tr><td class="num">{{number}}</td><td class="num">{{version}}</td><td>{{started.utc}}</td><td>{{endpoint}}</td><td class="num">{{durationMS}}</td><td>{{outcome}}</td><td>{{errorClass}}</td><td class="wrap">{{error}}</td></tr>{{/attempts}}
        </tbody></table></div>{{/empty(attempts)}}
        {{^attempts}}<p class="note">Not sent yet.</p>{{/attempts}}
        </section>
        <section><h2>Receipt</h2>
        {{#receipt}}<dl class="facts">
          <dt>Mined hash</dt><dd class="mono wrap">{{#explorerURL}}<a href="{{explorerURL}}" rel="noreferrer">{{hash}}</a>{{/explorerURL}}{{^explorerURL}}{{hash}}{{/explorerURL}}</dd>
          <dt>Block</dt><dd>{{block}} <span class="mono wrap">{{blockHash}}</span></dd>
          <dt>Execution</dt><dd>{{#succeeded}}succeeded{{/succeeded}}{{^succeeded}}<strong class="failed">reverted</strong>{{/succeeded}}</dd>
          <dt>Gas used</dt><dd>{{gasUsed}}{{#effectiveGasPrice}} at {{.}}{{/effectiveGasPrice}}</dd>
          <dt>Confirmations</dt><dd>{{#confirmations}}{{.}}{{/confirmations}}{{^confirmations}}unknown (no chain head recorded){{/confirmations}}</dd>
        </dl>{{/receipt}}
        {{^receipt}}<p class="note">No version of it is known to be mined.</p>{{/receipt}}
        </section>
        <section><h2>Audit</h2>
        {{^empty(audit)}}<table><thead><tr><th>When (UTC)</th><th>Who</th><th>What</th><th>Why</th><th>Details</th></tr></thead><tbody>
        {{#audit}}<tr><td>{{at.utc}}</td><td>{{user}}</td><td>{{action}}</td><td>{{reason}}</td><td class="wrap">{{details}}</td></tr>{{/audit}}
        </tbody></table>{{/empty(audit)}}
        {{^audit}}<p class="note">No operator has acted on this request.</p>{{/audit}}
        </section>
        """
}
