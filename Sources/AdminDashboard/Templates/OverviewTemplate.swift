/// The overview: counters, rate, the oldest unfinished request, lanes and partitions. Every
/// number the script refreshes carries `data-live` with its path in `/admin/api/overview`.
enum OverviewTemplate {
    static let page = """
        <h1>Overview</h1>
        <p class="note" data-live-root="/admin/api/overview">As of <time data-live="generated.utc">{{generated.utc}}</time>; this page refreshes its numbers every few seconds when JavaScript is on (reload otherwise).</p>
        <section class="cards">
          <a class="card passed" href="/admin/requests?status=confirmed"><span class="label">Passed</span><span class="value" data-live="passed">{{passed}}</span></a>
          <a class="card failed" href="/admin/requests?status=failed&amp;status=reverted"><span class="label">Failed</span><span class="value" data-live="failed">{{failed}}</span></a>
          <a class="card pending" href="/admin/requests?status=signed&amp;status=retrying&amp;status=unknown&amp;status=submitted&amp;status=replaced&amp;status=mined"><span class="label">Unfinished</span><span class="value" data-live="unfinished">{{unfinished}}</span></a>
          <div class="card"><span class="label">Total</span><span class="value" data-live="total">{{total}}</span></div>
        </section>
        <h2>By status</h2>
        <table class="counts"><thead><tr><th>Status</th><th class="num">Requests</th></tr></thead><tbody>
        {{#counts}}<tr><td><a class="status {{statusClass}}" href="/admin/requests?status={{status}}">{{status}}</a></td><td class="num" data-live="byStatus.{{status}}">{{count}}</td></tr>
        {{/counts}}
        </tbody></table>
        <h2>Stored lately</h2>
        <ul class="rates">{{#rates}}<li>last {{minutes}} min: <strong data-live="storedInLast.{{minutes}}">{{stored}}</strong></li>{{/rates}}</ul>
        <h2>Oldest unfinished</h2>
        {{#oldestUnfinished}}<p><a href="/admin/requests/{{id}}">{{id}}</a> · <span class="status {{statusClass}}">{{status}}</span> · stored {{created.utc}} ({{created.age}})</p>{{/oldestUnfinished}}
        {{^oldestUnfinished}}<p class="note">Nothing is unfinished.</p>{{/oldestUnfinished}}
        <h2>Nonce lanes</h2>
        <p class="note">{{chainNote}}. Gaps are nonces from the chain's latest up to the store's next that no stored request holds (with the chain poll).</p>
        {{^empty(lanes)}}<div class="scroll"><table class="lanes"><thead><tr><th>Sender</th><th class="num">Next nonce (store)</th><th class="num">Chain latest</th><th class="num">Chain pending</th><th class="num">Unfinished</th><th>Nonces</th><th class="num">Gaps</th><th>Stuck</th><th>Lease</th></tr></thead><tbody>
        {{#lanes}}<tr{{#stuck}} class="stuck"{{/stuck}}>
          <td><a class="mono" href="/admin/requests?sender={{sender}}">{{sender}}</a></td>
          <td class="num">{{nextNonce}}</td>
          <td class="num">{{#chainLatestNonce}}{{.}}{{/chainLatestNonce}}{{^chainLatestNonce}}—{{/chainLatestNonce}}{{#chainCheckedAge}}<small> ({{.}})</small>{{/chainCheckedAge}}</td>
          <td class="num">{{#chainPendingNonce}}{{.}}{{/chainPendingNonce}}{{^chainPendingNonce}}—{{/chainPendingNonce}}</td>
          <td class="num">{{unfinished}}</td>
          <td>{{#lowestUnfinishedNonce}}{{.}}{{/lowestUnfinishedNonce}}{{#highestUnfinishedNonce}}–{{.}}{{/highestUnfinishedNonce}}</td>
          <td class="num">{{#gaps}}{{.}}{{/gaps}}{{^gaps}}—{{/gaps}}</td>
          <td>{{#stuck}}<strong class="failed">stuck</strong> since {{oldestUnfinished.utc}}{{/stuck}}{{^stuck}}no{{/stuck}}</td>
          <td>{{#leaseOwner}}{{.}}{{/leaseOwner}}{{^leaseOwner}}none{{/leaseOwner}}{{#leaseExpires}} until {{utc}}{{/leaseExpires}}{{#leaseExpired}} (expired){{/leaseExpired}}</td>
        </tr>{{#chainProblem}}<tr><td colspan="9" class="note">{{.}}</td></tr>{{/chainProblem}}
        {{/lanes}}
        </tbody></table></div>{{/empty(lanes)}}
        {{^lanes}}<p class="note">No sender has had a nonce assigned yet.</p>{{/lanes}}
        <h2>Partitions</h2>
        <p class="note">The owner of a partition is the lease owner of the senders with unfinished work consumed from it. Lag is the broker's high watermark (polled in the background) minus the stored offset.</p>
        {{^empty(partitions)}}<div class="scroll"><table><thead><tr><th>Group</th><th>Topic</th><th class="num">Partition</th><th class="num">Stored offset</th><th class="num">High watermark</th><th class="num">Lag</th><th>Owner</th></tr></thead><tbody>
        {{#partitions}}<tr><td>{{group}}</td><td>{{topic}}</td><td class="num">{{partition}}</td><td class="num">{{storedOffset}}</td>
          <td class="num">{{#highWatermark}}{{.}}{{/highWatermark}}{{^highWatermark}}—{{/highWatermark}}{{#watermarkAge}}<small> ({{.}})</small>{{/watermarkAge}}</td>
          <td class="num">{{#lag}}{{.}}{{/lag}}{{^lag}}—{{/lag}}</td><td>{{owners}}</td></tr>
        {{/partitions}}
        </tbody></table></div>{{/empty(partitions)}}
        {{^partitions}}<p class="note">No partition has been consumed yet.</p>{{/partitions}}
        """
}
