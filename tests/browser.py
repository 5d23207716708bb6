#!/usr/bin/env python3
"""Opens local HTML pages in headless Chromium, as a person would, and reports what it saw.

Usage: tests/browser.py [--shots DIR] PAGE.html [PAGE.html ...]
Prints one JSON object per page on stdout: its title, console errors and uncaught exceptions,
requests that left the page's own file (a one-file report must make none beyond file://), the
count of tables, rows, SVG charts, verdict cells and elements with an event handler
(on...=) in the rendered DOM, the length of its
visible text (and whether it shows the label <script>alert(1)</script> as text), and its links as the browser resolved them, with those to missing local files.
Talks to Chromium over --remote-debugging-pipe (DevTools protocol, NUL-separated JSON on file
descriptors 3 and 4): no network port, no package beyond Python's own library.
"""
import base64
import fcntl
import json
import os
import subprocess
import sys
import tempfile
import urllib.parse

DOM_QUERY = """(() => {
  const q = s => document.querySelectorAll(s).length;
  return {
    title: document.title,
    tables: q('table'), rows: q('tr'), svgs: q('svg'), svg_marks: q('svg circle, svg rect, svg path, svg polyline'),
    verdict_cells: q('td.better, td.worse, td.inconclusive, td.same'),
    scripts: q('script'),
    handlers: Array.from(document.querySelectorAll('*')).filter(
      e => Array.from(e.attributes).some(a => a.name.startsWith('on'))).length,
    text_len: document.body ? document.body.innerText.length : 0,
    script_label_as_text: document.body ? document.body.innerText.includes('<script>alert(1)</script>') : false,
    links: Array.from(document.querySelectorAll('a[href]'), a => a.href),
    height: document.documentElement.scrollHeight,
  };
})()"""


class Browser:
    def __init__(self, profile):
        self.r_fd, chrome_w = os.pipe()    # chromium writes to its fd 4
        chrome_r, self.w_fd = os.pipe()    # chromium reads its fd 3
        # fds 3 and 4 of the child: chromium's protocol pipe (moved out of the way first, so
        # neither dup2() closes the other's end)
        def fds():
            r, w = fcntl.fcntl(chrome_r, fcntl.F_DUPFD, 10), fcntl.fcntl(chrome_w, fcntl.F_DUPFD, 10)
            os.dup2(r, 3)
            os.dup2(w, 4)
        self.proc = subprocess.Popen(
            ['chromium', '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
             '--disable-background-networking', '--disable-component-update', '--disable-sync',
             '--disable-quic', '--remote-debugging-pipe', '--user-data-dir=' + profile,
             'about:blank'],
            preexec_fn=fds, pass_fds=(3, 4),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(chrome_r)
        os.close(chrome_w)
        self.buf = b''
        self.next_id = 0
        self.events = []
        self.session = None

    def _read(self):
        while b'\0' not in self.buf:
            chunk = os.read(self.r_fd, 1 << 20)
            if not chunk:
                raise RuntimeError('chromium closed its protocol pipe')
            self.buf += chunk
        msg, self.buf = self.buf.split(b'\0', 1)
        return json.loads(msg)

    def call(self, method, params=None, session=True):
        self.next_id += 1
        msg = {'id': self.next_id, 'method': method, 'params': params or {}}
        if session and self.session:
            msg['sessionId'] = self.session
        os.write(self.w_fd, json.dumps(msg).encode() + b'\0')
        while True:
            m = self._read()
            if m.get('id') == self.next_id:
                if 'error' in m:
                    raise RuntimeError('%s: %s' % (method, m['error']))
                return m.get('result', {})
            self.events.append(m)

    def wait(self, method):
        for i, m in enumerate(self.events):
            if m.get('method') == method:
                del self.events[:i + 1]
                return m
        while True:
            m = self._read()
            if m.get('method') == method:
                return m
            self.events.append(m)

    def attach(self):
        targets = self.call('Target.getTargets', session=False)['targetInfos']
        page = next(t for t in targets if t['type'] == 'page')
        self.session = self.call('Target.attachToTarget',
                                 {'targetId': page['targetId'], 'flatten': True},
                                 session=False)['sessionId']
        for domain in ('Page', 'Runtime', 'Log', 'Network'):
            self.call(domain + '.enable')
        self.call('Emulation.setDeviceMetricsOverride',
                  {'width': 1280, 'height': 2000, 'deviceScaleFactor': 1, 'mobile': False})

    def close(self):
        try:
            self.call('Browser.close', session=False)
        except (RuntimeError, OSError):
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def problems(events, page_url):
    """Console errors, uncaught exceptions, failed loads, requests beyond the page's file."""
    errors, requests = [], []
    for m in events:
        p = m.get('params', {})
        meth = m.get('method')
        if meth == 'Runtime.consoleAPICalled' and p.get('type') in ('error', 'assert', 'warning'):
            errors.append('console.%s: %s' % (p['type'], ' '.join(
                str(a.get('value', a.get('description', ''))) for a in p.get('args', []))))
        elif meth == 'Runtime.exceptionThrown':
            d = p.get('exceptionDetails', {})
            errors.append('exception: %s' % d.get('exception', {}).get('description', d.get('text')))
        elif meth == 'Log.entryAdded' and p['entry'].get('level') in ('error', 'warning'):
            errors.append('log %s: %s' % (p['entry']['level'], p['entry'].get('text')))
        elif meth == 'Network.loadingFailed':
            errors.append('load failed: %s' % p.get('errorText'))
        elif meth == 'Network.requestWillBeSent':
            url = p['request']['url']
            if url != page_url and not url.startswith('data:'):
                requests.append(url)
    return errors, requests


def broken_links(links):
    """Local links whose file is missing, and any link that is not a relative file:// one."""
    bad = []
    for href in links:
        u = urllib.parse.urlsplit(href)
        if u.scheme != 'file':
            bad.append(href)
        elif not os.path.isfile(urllib.parse.unquote(u.path)):
            bad.append(href)
    return bad


def visit(b, path, shots):
    url = 'file://' + urllib.parse.quote(os.path.abspath(path))
    b.events.clear()
    nav = b.call('Page.navigate', {'url': url})
    if nav.get('errorText'):
        return {'page': path, 'errors': ['navigate: ' + nav['errorText']]}
    b.wait('Page.loadEventFired')
    dom = b.call('Runtime.evaluate', {'expression': DOM_QUERY, 'returnByValue': True})
    dom = dom['result']['value']
    errors, requests = problems(b.events, url)
    out = dict(dom, page=path, errors=errors, requests=requests,
               broken=broken_links(dom['links']), links=len(dom['links']))
    if shots:
        png = b.call('Page.captureScreenshot', {'format': 'png'})['data']
        out['screenshot'] = os.path.join(shots, os.path.basename(path)[:-5] + '.png')
        with open(out['screenshot'], 'wb') as f:
            f.write(base64.b64decode(png))
    return out


def main(argv):
    shots = None
    if len(argv) > 2 and argv[1] == '--shots':
        shots = argv[2]
        argv = argv[2:]
    if len(argv) < 2:
        print('usage: tests/browser.py [--shots DIR] PAGE.html ...', file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix='mmbench-chromium.') as profile:
        b = Browser(profile)
        try:
            b.attach()
            for path in argv[1:]:
                print(json.dumps(visit(b, path, shots)), flush=True)
        finally:
            b.close()
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
