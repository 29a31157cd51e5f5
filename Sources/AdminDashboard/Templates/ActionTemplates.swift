/// The retry confirmation, the bulk retry pages and the audit.
enum ActionTemplates {
    static let retry = """
        <h1>Retry request <span class="mono">{{id}}</span></h1>
        {{#allowed}}
        <p>The chain was checked just now ({{checked.utc}}): none of the {{hashCount}} hashes it was signed under was mined with effect, and its nonce {{nonce}} is consumed (the sender's mined nonce count is {{chainLatestNonce}}): {{takenBy}}. No old version can still land.</p>
        <ul class="mono wrap">{{#hashes}}<li>{{.}}</li>{{/hashes}}</ul>
        <p>Retrying makes a <strong>new request</strong> with a new nonce, linked to this one; this request keeps its status and history.</p>
        <form method="post" action="/admin/requests/{{id}}/retry">
          <input type="hidden" name="csrf_token" value="{{csrfToken}}">
          <input type="hidden" name="click_key" value="{{clickKey}}">
          <label>Reason (kept in the audit) <input name="reason" maxlength="500"></label>
          <button type="submit">Confirm the retry</button> <a href="/admin/requests/{{id}}">Cancel</a>
        </form>
        {{/allowed}}
        {{#refusal}}<p class="error" role="alert">This request cannot be retried: {{.}}</p><p><a href="/admin/requests/{{id}}">Back to the request</a></p>{{/refusal}}
        """

    static let bulkList = """
        <h1>Bulk retries</h1>
        <p class="note">A bulk retry is a stored operation: its filter is frozen on the server when planned, it takes only final failed or reverted requests not retried yet, at most its cap, and it runs 16 items at a time in the admin process once started (a cancel stops it between batches).</p>
        <h2>Plan a new one</h2>
        <form method="post" action="/admin/bulk-retries" class="filters">
          <input type="hidden" name="csrf_token" value="{{csrfToken}}">
          <fieldset><legend>Status</legend>
          <label class="check"><input type="checkbox" name="status" value="failed"{{#failedChecked}} checked{{/failedChecked}}> failed</label>
          <label class="check"><input type="checkbox" name="status" value="reverted"{{#revertedChecked}} checked{{/revertedChecked}}> reverted</label>
          </fieldset>
          <label>Sender <input name="sender" value="{{filters.sender}}"></label>
          <label>Contract <input name="contract" value="{{filters.contract}}"></label>
          <label>Message type <input name="type" value="{{filters.type}}"></label>
          <label>From (UTC) <input name="from" value="{{filters.from}}"></label>
          <label>To (UTC) <input name="to" value="{{filters.to}}"></label>
          <label>Cap <input name="cap" type="number" min="1" max="{{maxCap}}" value="{{defaultCap}}"></label>
          <label class="wide">Reason (required) <input name="reason" required maxlength="500"></label>
          <div class="actions"><button type="submit">Plan (dry run)</button></div>
        </form>
        <h2>Operations</h2>
        {{^empty(operations)}}<div class="scroll"><table><thead><tr><th>#</th><th>State</th><th>By</th><th>Created (UTC)</th><th class="num">Planned</th><th class="num">Retried</th><th class="num">Refused</th><th>Reason</th></tr></thead><tbody>
        {{#operations}}<tr><td><a href="/admin/bulk-retries/{{id}}">{{id}}</a></td><td>{{state}}</td><td>{{createdBy}}</td><td>{{created.utc}}</td><td class="num">{{planned}}</td><td class="num">{{retried}}</td><td class="num">{{refused}}</td><td>{{reason}}</td></tr>{{/operations}}
        </tbody></table></div>{{/empty(operations)}}
        {{^operations}}<p class="empty">No bulk retry yet. Plan one above: the dry run shows what it would take before anything is retried.</p>{{/operations}}
        {{#problem}}<p class="error" role="alert">{{.}}</p>{{/problem}}
        """

    static let bulkDetail = """
        {{#operation}}
        <h1>Bulk retry #{{id}}</h1>
        <p data-live-root="/admin/api/bulk-retries/{{id}}">State <strong data-live="operation.state">{{state}}</strong> · planned <strong>{{planned}}</strong> of cap {{cap}} · retried <strong data-live="operation.retried">{{retried}}</strong> · refused <strong data-live="operation.refused">{{refused}}</strong></p>
        <dl class="facts"><dt>By</dt><dd>{{createdBy}}</dd><dt>Created</dt><dd>{{created.utc}} <small>{{created.age}}</small></dd><dt>Reason</dt><dd>{{reason}}</dd><dt>Frozen filter</dt><dd>{{filter}}</dd></dl>
        {{#isPlanned}}<form method="post" action="/admin/bulk-retries/{{id}}/start"><input type="hidden" name="csrf_token" value="{{csrfToken}}"><button type="submit">Start: retry these {{planned}} requests</button></form>{{/isPlanned}}
        {{#isActive}}<form method="post" action="/admin/bulk-retries/{{id}}/cancel"><input type="hidden" name="csrf_token" value="{{csrfToken}}"><button type="submit">Cancel</button></form>{{/isActive}}
        <h2>Sample of the dry run</h2>
        {{^empty(sample)}}<div class="scroll"><table class="requests"><thead><tr><th>Request</th><th>Message type</th><th>Sender</th><th>Status</th><th>Stored (UTC)</th></tr></thead><tbody>
        {{#sample}}<tr><td><a class="mono" href="/admin/requests/{{id}}">{{id}}</a></td><td>{{messageType}}</td><td class="mono">{{sender}}</td><td><span class="status {{statusClass}}">{{status}}</span></td><td>{{created.utc}}</td></tr>{{/sample}}
        </tbody></table></div>{{/empty(sample)}}
        {{^sample}}<p class="empty">The filter matched no failed or reverted request that is not retried yet.</p>{{/sample}}
        <h2>Items</h2>
        {{^empty(items)}}<table><thead><tr><th>Request</th><th>Result</th></tr></thead><tbody>
        {{#items}}<tr><td><a class="mono" href="/admin/requests/{{request}}">{{request}}</a></td><td>{{result}}{{#retry}} → <a class="mono" href="/admin/requests/{{.}}">{{.}}</a>{{/retry}}</td></tr>{{/items}}
        </tbody></table>{{/empty(items)}}
        {{/operation}}
        """

    static let audit = """
        <h1>Audit</h1>
        {{^empty(entries)}}<div class="scroll"><table><thead><tr><th>#</th><th>When (UTC)</th><th>Who</th><th>What</th><th>Request</th><th>Why</th><th>Details</th></tr></thead><tbody>
        {{#entries}}<tr><td>{{id}}</td><td>{{at.utc}} <small>{{at.age}}</small></td><td>{{user}}</td><td>{{action}}</td><td>{{#requestID}}<a class="mono" href="/admin/requests/{{.}}">{{.}}</a>{{/requestID}}</td><td>{{reason}}</td><td class="wrap">{{details}}</td></tr>{{/entries}}
        </tbody></table></div>{{/empty(entries)}}
        {{^entries}}<p class="empty">Nobody has retried anything yet: retries and bulk retries are recorded here with who, when and why.</p>{{/entries}}
        <nav class="pages">{{#nextPageURL}}<a rel="next" href="{{nextPageURL}}">Older →</a>{{/nextPageURL}}</nav>
        """
}
