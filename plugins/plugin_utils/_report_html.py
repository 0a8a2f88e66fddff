# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report as one self-contained HTML page: what needs attention first, an SVG
timeline of expiries by week coloured by issuer (today and renewal windows marked), and
tables of certificates, sites and trust anchors. No network fetch; the page reads without
JavaScript (the inline script only adds sorting and filtering) and prints."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
from html import escape

from ansible_collections.certfleet.pki.plugins.plugin_utils._fleet_report import parse_time

# Okabe-Ito: told apart with the usual colour vision deficiencies.
ISSUER_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
WEEK = datetime.timedelta(days=7)
CHART_LEFT, CHART_TOP, CHART_WIDTH, PLOT_HEIGHT, LANE_HEIGHT = 110, 24, 900, 220, 16


def week_start(moment):
    """Monday 00:00 UTC of the week ``moment`` falls in."""
    day = moment.astimezone(datetime.timezone.utc).date()
    monday = day - datetime.timedelta(days=day.weekday())
    return datetime.datetime(monday.year, monday.month, monday.day, tzinfo=datetime.timezone.utc)


def issuer_colours(issuers):
    return dict((issuer, ISSUER_COLOURS[index % len(ISSUER_COLOURS)]) for index, issuer in enumerate(issuers))


def _leaves(report):
    for host in report["hosts"]:
        for certificate in host["certificates"]:
            if certificate.get("not_after"):
                yield host["name"], certificate


def _renewal_windows(leaves):
    """Per issuer, each certificate's (host, name, renew_at, not_after)."""
    windows = {}
    for host, certificate in leaves:
        if certificate.get("renew_at"):
            windows.setdefault(certificate["issuer_name"], []).append(
                (host, certificate["name"], parse_time(certificate["renew_at"]), parse_time(certificate["not_after"])))
    return windows


def timeline_svg(report, now):
    """Certificates by week of expiry (one mark per certificate, stacked in its week's column,
    coloured by issuer), today's line, and a lane per issuer where each certificate's renewal
    window is a translucent band (where many overlap, the lane is darker)."""
    leaves = list(_leaves(report))
    colours = issuer_colours(report["issuers"])
    windows = _renewal_windows(leaves)
    moments = [parse_time(certificate["not_after"]) for _host, certificate in leaves] + [now]
    moments += [window[2] for spans in windows.values() for window in spans]
    first, last = week_start(min(moments)), week_start(max(moments)) + WEEK
    weeks = max(1, int((last - first) / WEEK))
    column = CHART_WIDTH / float(weeks)

    def x_of(moment):
        return CHART_LEFT + (moment - first).total_seconds() / WEEK.total_seconds() * column

    by_week = {}
    for host, certificate in sorted(leaves, key=lambda pair: (pair[1]["not_after"], pair[0])):
        by_week.setdefault(week_start(parse_time(certificate["not_after"])), []).append((host, certificate))
    tallest = max([len(marks) for marks in by_week.values()] or [1])
    plot_height = min(PLOT_HEIGHT, 14 * tallest + 40)  # a small fleet gets a short chart
    mark_height = min(14.0, (plot_height - 4.0) / tallest)
    base = CHART_TOP + plot_height
    lanes_top = base + 34
    height = lanes_top + LANE_HEIGHT * max(1, len(windows)) + 10
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" role="img" class="timeline" viewBox="0 0 %d %d" '
             'aria-labelledby="timeline-title"><title id="timeline-title">Certificates by week of expiry</title>'
             % (CHART_LEFT + CHART_WIDTH + 40, height)]
    parts.append('<line class="axis" x1="%d" y1="%d" x2="%d" y2="%d"/>' % (CHART_LEFT, base, CHART_LEFT + CHART_WIDTH, base))
    parts.append('<text class="axis-label" x="4" y="%d">certificates</text>' % (CHART_TOP + 10))
    label_every = max(1, int(round(weeks / 12.0)))
    for index in range(0, weeks, label_every):
        monday = first + WEEK * index
        parts.append('<text class="tick" x="%.1f" y="%d">%s</text>' % (x_of(monday), base + 14, monday.strftime("%d %b")))
    for monday, marks in sorted(by_week.items()):
        for level, (host, certificate) in enumerate(marks):
            parts.append(
                '<rect class="mark" data-week="%s" data-issuer="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s">'
                '<title>%s %s (%s) expires %s</title></rect>' % (
                    monday.date().isoformat(), escape(certificate["issuer_name"]), x_of(monday) + 1,
                    base - (level + 1) * mark_height, max(1.0, column - 2), max(1.0, mark_height - 1),
                    colours[certificate["issuer_name"]], escape(host), escape(certificate["name"]),
                    escape(certificate["issuer_name"]), certificate["not_after"][:10]))
    for index, (issuer, spans) in enumerate(sorted(windows.items())):
        top = lanes_top + index * LANE_HEIGHT
        parts.append('<text class="lane-label" x="4" y="%d">%s renews</text>' % (top + 11, escape(issuer)))
        for host, name, start, end in spans:
            parts.append('<rect class="renewal-window" data-issuer="%s" x="%.1f" y="%d" width="%.1f" height="%d" fill="%s">'
                         '<title>%s %s renews from %s (expires %s)</title></rect>' % (
                             escape(issuer), x_of(start), top, max(1.0, x_of(end) - x_of(start)), LANE_HEIGHT - 4,
                             colours[issuer], escape(host), escape(name), start.date().isoformat(), end.date().isoformat()))
    today = x_of(now)
    parts.append('<line class="today" x1="%.1f" y1="%d" x2="%.1f" y2="%d"/>' % (today, CHART_TOP - 8, today, height - 6))
    parts.append('<text class="today-label" x="%.1f" y="%d">today</text>' % (today + 3, CHART_TOP - 10 + 8))
    parts.append("</svg>")
    return "".join(parts)


def _cell(value, sort_key=None, css=None):
    key = ' data-sort="%s"' % escape(str(sort_key)) if sort_key is not None else ""
    css = ' class="%s"' % css if css else ""
    return "<td%s%s>%s</td>" % (css, key, escape("" if value is None else str(value)))


def _status(host, certificate, titles):
    kinds = titles.get((host, certificate["name"]), [])
    if kinds:
        return ", ".join(kinds), "attention"
    return ("delivered by its source" if certificate["source_decides"] else "ok"), "ok"


def certificates_table(report):
    titles = {}  # (host, subject) -> what needs attention there
    for item in report["attention"]:
        titles.setdefault((item["host"], item["subject"]), []).append(item["title"])
    rows = []
    for host in report["hosts"]:
        for certificate in host["certificates"]:
            status, css = _status(host["name"], certificate, titles)
            days = certificate.get("days_left")
            rows.append((days if days is not None else -10 ** 6, (
                '<tr class="%s" data-host="%s" data-issuer="%s">' % (css, escape(host["name"]), escape(certificate["issuer_name"]))
                + _cell(host["name"]) + _cell(certificate["name"]) + _cell(certificate["issuer_name"])
                + _cell(certificate.get("serial") or "-", css="serial")
                + _cell((certificate.get("not_after") or "-")[:10], certificate.get("not_after") or "")
                + _cell("-" if days is None else days, -10 ** 6 if days is None else days)
                + _cell((certificate.get("renew_at") or "-")[:10], certificate.get("renew_at") or "")
                + _cell(certificate.get("key_type") or "-") + _cell(status) + "</tr>")))
    rows.sort(key=lambda row: row[0])
    header = "".join('<th scope="col"%s>%s</th>' % (' data-type="number"' if title == "Days left" else "", title)
                     for title in ("Host", "Certificate", "Issuer", "Serial", "Expires", "Days left", "Renew at", "Key",
                                   "Status"))
    return ('<table id="certificates" class="sortable"><thead><tr>%s</tr></thead><tbody>%s</tbody></table>'
            % (header, "".join(row for _days, row in rows)))


def sites_table(report):
    rows = []
    for host in report["hosts"]:
        for site in host["sites"]:
            served = site["served"]["serial"] if site["served"] else "none"
            installed = site["installed"]["serial"] if site["installed"] else "none"
            state = site["error"] or ("serves the installed certificate" if site["serving"] else "serves another certificate")
            if site["chain_verifies"] is False:
                state += "; chain: %s" % site["chain_error"]
            css = "ok" if site["serving"] and site["chain_verifies"] else "attention"
            rows.append('<tr class="%s">' % css + _cell(host["name"]) + _cell(site["name"]) + _cell(site["server"])
                        + _cell("%s:%d" % (site["address"], site["port"])) + _cell(site["server_name"])
                        + _cell(installed, css="serial") + _cell(served, css="serial") + _cell(state) + "</tr>")
    header = "".join("<th scope=\"col\">%s</th>" % title for title in (
        "Host", "Site", "Server", "Address", "Name", "Installed serial", "Served serial", "State"))
    return '<table id="sites" class="sortable"><thead><tr>%s</tr></thead><tbody>%s</tbody></table>' % (header, "".join(rows))


def trust_table(report):
    rows = []
    for host in report["hosts"]:
        for ca in host["trust"]:
            expired = ca.get("expired")
            rows.append('<tr class="%s">' % ("attention" if expired or ca.get("error") else "ok")
                        + _cell(host["name"]) + _cell(ca["kind"]) + _cell(ca["path"]) + _cell(ca.get("subject") or "-")
                        + _cell((ca.get("not_after") or "-")[:10], ca.get("not_after") or "")
                        + _cell(ca.get("error") or ("expired" if expired else "valid")) + "</tr>")
    header = "".join("<th scope=\"col\">%s</th>" % title for title in ("Host", "Kind", "File", "CA", "Expires", "State"))
    return '<table id="trust" class="sortable"><thead><tr>%s</tr></thead><tbody>%s</tbody></table>' % (header, "".join(rows))


def attention_section(report):
    if not report["attention"]:
        return '<section id="attention" class="clear"><h2>Needs attention</h2><p>Nothing: every certificate is ' \
               'installed, valid, outside its renewal window and served as installed.</p></section>'
    items = "".join('<li class="%s" data-kind="%s"><strong>%s</strong> %s &middot; %s: %s</li>' % (
        item["severity"], item["kind"], escape(item["title"]), escape(item["host"]), escape(item["subject"]),
        escape(item["message"])) for item in report["attention"])
    return '<section id="attention"><h2>Needs attention (%d)</h2><ul>%s</ul></section>' % (len(report["attention"]), items)


def legend(report):
    colours = issuer_colours(report["issuers"])
    return '<p class="legend">%s<span class="swatch today-swatch"></span>today</p>' % "".join(
        '<span class="swatch" style="background:%s"></span>%s ' % (colours[issuer], escape(issuer)) for issuer in report["issuers"])


STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1100px;padding:16px 24px;color:#1b1f24}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:24px 0 8px}
.meta{color:#57606a;margin:0 0 12px}
#attention ul{list-style:none;padding:0;margin:0}
#attention li{padding:6px 10px;margin:4px 0;border-left:5px solid #bf8700;background:#fff8c5}
#attention li.critical{border-color:#cf222e;background:#ffebe9}
#attention.clear p{padding:6px 10px;border-left:5px solid #1a7f37;background:#dafbe1}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #d0d7de;vertical-align:top}
td.serial{font-family:ui-monospace,monospace;font-size:12px;word-break:break-all}
th{background:#f6f8fa;position:sticky;top:0}
th.sorted-asc::after{content:" \\25B2"}th.sorted-desc::after{content:" \\25BC"}
tr.attention td{background:#fff8c5}
.controls{margin:8px 0;display:none;gap:8px}.js .controls{display:flex}
.controls input,.controls select{font:inherit;padding:3px 6px}
svg.timeline{width:100%;height:auto;max-height:420px}
.axis{stroke:#57606a}.tick,.axis-label,.lane-label,.today-label{font-size:11px;fill:#57606a}
.today{stroke:#cf222e;stroke-width:2;stroke-dasharray:4 3}.today-label{fill:#cf222e}
.renewal-window{opacity:.25}
.legend .swatch{display:inline-block;width:12px;height:12px;margin:0 4px 0 10px;vertical-align:-1px}
.legend .today-swatch{border-left:2px dashed #cf222e;width:0}
@media print{.controls{display:none!important}body{max-width:none;font-size:11px}th{position:static}
tr,li{break-inside:avoid}svg.timeline{max-height:none}}
"""

# Sorting by a header click and filtering by text and issuer; the page reads without it.
SCRIPT = """
document.documentElement.classList.add('js');
document.querySelectorAll('table.sortable th').forEach(function (th, column) {
  th.style.cursor = 'pointer';
  th.addEventListener('click', function () {
    var body = th.closest('table').tBodies[0], ascending = !th.classList.contains('sorted-asc');
    th.parentNode.querySelectorAll('th').forEach(function (h) { h.classList.remove('sorted-asc', 'sorted-desc'); });
    th.classList.add(ascending ? 'sorted-asc' : 'sorted-desc');
    var key = function (row) { var c = row.cells[column]; return c.dataset.sort !== undefined ? c.dataset.sort : c.textContent; };
    var numeric = th.dataset.type === 'number';
    Array.prototype.slice.call(body.rows).sort(function (a, b) {
      var x = key(a), y = key(b), d = numeric ? Number(x) - Number(y) : x.localeCompare(y);
      return ascending ? d : -d;
    }).forEach(function (row) { body.appendChild(row); });
  });
});
function applyFilter() {
  var text = document.getElementById('filter').value.toLowerCase(), issuer = document.getElementById('issuer').value;
  document.querySelectorAll('#certificates tbody tr').forEach(function (row) {
    var shown = row.textContent.toLowerCase().indexOf(text) >= 0 && (!issuer || row.dataset.issuer === issuer);
    row.style.display = shown ? '' : 'none';
  });
}
document.getElementById('filter').addEventListener('input', applyFilter);
document.getElementById('issuer').addEventListener('change', applyFilter);
"""


def render(report):
    """The report (fleet_report's dict) as a complete HTML document."""
    now = parse_time(report["generated_at"])
    summary = report["summary"]
    options = "".join('<option value="%s">%s</option>' % (escape(i), escape(i)) for i in report["issuers"])
    return "".join((
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>%s</title><style>%s</style></head><body>" % (escape(report["title"]), STYLE),
        "<h1>%s</h1>" % escape(report["title"]),
        '<p class="meta">Generated %s UTC &middot; %d hosts (%d reached) &middot; %d certificates &middot; %d sites '
        "&middot; %d trusted CAs &middot; schema %s v%d</p>" % (
            report["generated_at"][:16].replace("T", " "), summary["hosts"], summary["hosts_reached"],
            summary["certificates"], summary["sites"], summary["trust_cas"], report["schema"], report["version"]),
        attention_section(report),
        "<h2>Expiries by week</h2>", legend(report), timeline_svg(report, now),
        "<h2>Certificates</h2>",
        '<div class="controls"><input id="filter" type="search" placeholder="Filter by host, name, serial..." '
        'aria-label="Filter certificates"><select id="issuer" aria-label="Issuer"><option value="">All issuers</option>%s'
        "</select></div>" % options,
        certificates_table(report),
        "<h2>TLS sites</h2>", sites_table(report),
        "<h2>Trust anchors and bundles</h2>", trust_table(report),
        "<script>%s</script></body></html>\n" % SCRIPT,
    ))
