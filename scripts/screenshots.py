"""Drives the demo in headless Chromium over the DevTools protocol and writes the README's
screenshots. Run by scripts/screenshots.sh: screenshots.py BASE_URL SIM_URL DB OUT_DIR."""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import requests
import websocket

BASE_URL, SIM_URL, DB, OUT_DIR = sys.argv[1:5]
WIDTH, HEIGHT = 1400, 900


class Browser:
    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix='xero_shots_')
        # Flags Chromium needs as root in a container, and no traffic of its own.
        self.process = subprocess.Popen([
            shutil.which('chromium') or shutil.which('google-chrome'), '--headless=new', '--no-sandbox',
            '--disable-gpu', '--disable-background-networking', '--disable-component-update',
            '--disable-sync', '--no-first-run', '--hide-scrollbars', f'--user-data-dir={self.profile}',
            '--remote-debugging-port=0', f'--window-size={WIDTH},{HEIGHT}', 'about:blank',
        ], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = os.path.join(self.profile, 'DevToolsActivePort')
        for _ in range(100):
            if os.path.exists(port_file) and open(port_file).read().strip():
                break
            time.sleep(0.1)
        port = open(port_file).read().split()[0]
        page = next(t for t in requests.get(f'http://127.0.0.1:{port}/json/list', timeout=10).json()
                    if t['type'] == 'page')
        self.ws = websocket.create_connection(page['webSocketDebuggerUrl'], timeout=30,
                                              suppress_origin=True)
        self.next_id = 0
        self.send('Page.enable')
        self.send('Emulation.setDeviceMetricsOverride',
                  {'width': WIDTH, 'height': HEIGHT, 'deviceScaleFactor': 1, 'mobile': False})

    def send(self, method, params=None):
        self.next_id += 1
        self.ws.send(json.dumps({'id': self.next_id, 'method': method, 'params': params or {}}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get('id') == self.next_id:
                if 'error' in message:
                    raise RuntimeError(f'{method}: {message["error"]}')
                return message.get('result', {})

    def js(self, expression):
        result = self.send('Runtime.evaluate', {'expression': expression, 'returnByValue': True,
                                                'awaitPromise': True})
        return result.get('result', {}).get('value')

    def wait(self, expression, timeout=60, what=None):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                if self.js(expression):
                    return
            except (RuntimeError, websocket.WebSocketException):
                pass  # the page is changing
            time.sleep(0.3)
        self.shot('failed')
        raise SystemExit(f'screenshots: timed out waiting for {what or expression}')

    def go(self, url, ready, what=None):
        self.send('Page.navigate', {'url': url})
        self.wait(ready, what=what or url)

    def shot(self, name):
        time.sleep(1.0)  # let animations and fonts settle
        data = self.send('Page.captureScreenshot', {'format': 'png'})['data']
        path = os.path.join(OUT_DIR, f'{name}.png')
        with open(path, 'wb') as f:
            f.write(base64.b64decode(data))
        print(f'[xero] screenshot {path}', file=sys.stderr)

    def close(self):
        self.ws.close()
        self.process.terminate()
        self.process.wait(10)
        shutil.rmtree(self.profile, ignore_errors=True)


def exists(selector):
    return f'!!document.querySelector({json.dumps(selector)})'


def rpc(session, model, method, args, **kwargs):
    response = session.post(f'{BASE_URL}/web/dataset/call_kw', timeout=30, json={
        'jsonrpc': '2.0', 'method': 'call',
        'params': {'model': model, 'method': method, 'args': args, 'kwargs': kwargs}}).json()
    if 'error' in response:
        raise SystemExit(f'screenshots: {model}.{method}: {response["error"]["data"]["message"]}')
    return response['result']


def main():
    for _ in range(120):  # Odoo and the simulator start in the background
        try:
            requests.get(f'{BASE_URL}/web/login', timeout=2).raise_for_status()
            requests.get(f'{SIM_URL}/_sim/counters', timeout=2).raise_for_status()
            break
        except requests.RequestException:
            time.sleep(0.5)
    session = requests.Session()
    session.post(f'{BASE_URL}/web/session/authenticate', timeout=30, json={
        'jsonrpc': '2.0', 'params': {'db': DB, 'login': 'admin', 'password': 'admin'}}).raise_for_status()

    browser = Browser()
    try:
        browser.go(f'{BASE_URL}/web/login', exists('input#login'))
        browser.js("document.querySelector('input#login').value = 'admin';"
                   "document.querySelector('input#password').value = 'admin';"
                   "document.querySelector('form.oe_login_form').submit();")
        browser.wait(exists('.o_main_navbar'), what='the web client')

        browser.go(f'{BASE_URL}/odoo/settings', exists(".settings_tab .tab[data-key='account']"))
        browser.js("document.querySelector(\".settings_tab .tab[data-key='account']\").click()")
        browser.wait(exists("button[name='action_xero_connect']"), what='the Xero settings')
        browser.js("document.querySelector(\"button[name='action_xero_connect']\")"
                   ".closest('.o_setting_box, .o_settings_container, .o_setting_container')"
                   ".scrollIntoView({block: 'start'})")
        browser.shot('01_settings_connect')

        browser.js("document.querySelector(\"button[name='action_xero_connect']\").click()")
        browser.wait(f'location.href.startsWith({json.dumps(SIM_URL)}) && {exists("#allow")}',
                     what="the simulator's consent page")
        browser.shot('02_xero_consent')
        browser.js("document.getElementById('allow').click()")
        browser.wait(exists('.o_notification') + ' && ' + exists('.o_data_row'),
                     what='the organisations list after Connect')
        browser.shot('03_connected')

        # The push cron runs in the server, woken by the connect: wait for the demo's invoices.
        deadline = time.time() + 120
        while rpc(session, 'xero.move.link', 'search_count', [[('sync_state', '!=', 'synced')]]) \
                or not rpc(session, 'xero.move.link', 'search_count', [[]]):
            if time.time() > deadline:
                raise SystemExit('screenshots: the demo invoices did not sync within 2 minutes')
            time.sleep(2)

        org = rpc(session, 'xero.organisation', 'search_read', [[('name', '=', 'Demo Company (NZ)')]],
                  fields=['id'])[0]
        browser.go(f'{BASE_URL}/odoo/xero-organisations/{org["id"]}', exists("[name='last_sync_summary']"))
        browser.js("document.querySelector(\"[name='auto_sync']\")?.scrollIntoView({block: 'start'})")
        browser.shot('04_organisation_health')

        move = rpc(session, 'account.move', 'search_read', [[('partner_id.ref', '=like', 'XERO-DEMO-%')]],
                   fields=['id'], limit=1, order='id')[0]
        browser.go(f'{BASE_URL}/odoo/action-account.action_move_out_invoice_type/{move["id"]}',
                   "document.querySelector(\"[name='xero_state']\")?.textContent.includes('Synced')")
        browser.js("[...document.querySelectorAll('.o_notebook .nav-link')]"
                   ".find(a => a.textContent.trim() === 'Xero')?.click()")
        browser.wait(exists("[name='xero_link_ids'] .o_data_row"), what="the invoice's Xero tab")
        browser.shot('05_invoice_xero_badge')

        browser.go(f'{BASE_URL}/odoo/action-xero_integration.xero_sync_log_action', exists('.o_data_row'))
        browser.shot('06_sync_log')

        # Card transactions: a company card journal feeding Xero, three lines, one verified. Bank
        # lines are the accountant's (account's "Basic" rights), which the demo admin lacks.
        group = rpc(session, 'ir.model.data', 'search_read',
                    [[('module', '=', 'account'), ('name', '=', 'group_account_basic')]], fields=['res_id'])[0]
        admin = rpc(session, 'res.users', 'search_read', [[('login', '=', 'admin')]], fields=['id'])[0]
        rpc(session, 'res.users', 'write', [[admin['id']], {'group_ids': [[4, group['res_id']]]}])
        company = rpc(session, 'res.company', 'search_read', [[('name', '=', 'Demo Company (NZ)')]],
                      fields=['id', 'currency_id'])[0]
        journal_id = rpc(session, 'account.journal', 'create', [{
            'name': 'Company card', 'code': 'CARD', 'type': 'credit', 'company_id': company['id']}])
        wizard_id = rpc(session, 'xero.bank.feed.wizard', 'create', [{
            'organisation_id': org['id'], 'journal_ids': [[6, 0, [journal_id]]],
            'currency_ids': [[6, 0, [company['currency_id'][0]]]]}])
        rpc(session, 'xero.bank.feed.wizard', 'action_activate', [[wizard_id]])
        account = rpc(session, 'xero.account', 'search_read',
                      [[('organisation_id', '=', org['id']), ('code', '=', '429')]], fields=['id'])[0]
        rpc(session, 'xero.organisation', 'write', [[org['id']], {'bank_feed_account_id': account['id']}])
        today = time.strftime('%Y-%m-%d')
        line_ids = [rpc(session, 'account.bank.statement.line', 'create', [{
            'journal_id': journal_id, 'date': today, 'payment_ref': label, 'amount': amount}])
            for label, amount in (('CAFE ALBERT - coffee', -4.5), ('AIRNZ 0861234 - flight', -289.0),
                                  ('REFUND - taxi', 18.2))]
        rpc(session, 'account.bank.statement.line', 'action_xero_verify', [line_ids[:1]])
        browser.go(f'{BASE_URL}/odoo/action-xero_integration.xero_bank_feed_line_action', exists('.o_data_row'))
        browser.shot('08_card_transactions')

        browser.go(f'{SIM_URL}/_sim/', exists('h2'))
        browser.shot('07_simulator')
    finally:
        browser.close()


if __name__ == '__main__':
    main()
