"""The official Python `dropbox` SDK (Debian python3-dropbox, 11.34), unchanged, against the
emulator. Run by test/emulator/sdk-python.test.ts; prints one JSON summary line on success and
exits non-zero (with a traceback) on the first disagreement.

Host routing: dropbox/session.py in 11.34 reads DROPBOX_API_HOST, DROPBOX_API_CONTENT_HOST,
DROPBOX_API_NOTIFY_HOST and DROPBOX_WEB_HOST from the environment at import and builds
"https://<host>/..." from them, so "127.0.0.1:<port>" works as a host as is. The test sets
all four before starting Python.

TLS trust: the SDK's `ca_certs=` (a PEM path) is passed, but in 11.34 it does not take effect
with requests 2.x: pinned_session() hands it to the pool manager, and then every request goes
out with verify=True, so requests' HTTPAdapter.cert_verify() overwrites each connection's
ca_certs with its default bundle ("self-signed certificate" even with ca_certs= set; fixed
upstream later by setting session.verify, dropbox-sdk-python PR #489). A Session with
`verify` set does not help either (the per-request verify=True wins). What requests does honour
for verify=True is the REQUESTS_CA_BUNDLE environment variable, so the test sets it to the same
PEM: the SDK's code runs unchanged and still verifies the emulator's certificate.

Environment (set by the test): EMU_CA (PEM path), EMU_APP_KEY, EMU_ACCOUNT_ID (the seed's
40-character account id), EMU_SHORT_ACCESS / EMU_SHORT_REFRESH / EMU_SHORT_EXPIRES_MS (a
1-second access token minted by the test, to exercise the SDK's refresh-on-401 path).
"""
import datetime
import hashlib
import html
import json
import os
import re
import time
import urllib.parse

import requests

import dropbox
from dropbox import common, files
from dropbox.exceptions import ApiError
from dropbox.oauth import DropboxOAuth2FlowNoRedirect
from dropbox import session as dbx_session

CA = os.environ['EMU_CA']
APP_KEY = os.environ['EMU_APP_KEY']
ACCOUNT_ID = os.environ['EMU_ACCOUNT_ID']
HOST = os.environ['DROPBOX_API_HOST']


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def dropbox_content_hash(data):
    """Dropbox's content_hash: SHA-256 of the concatenated SHA-256s of 4 MiB blocks."""
    block = 4 * 1024 * 1024
    digests = b''.join(hashlib.sha256(data[i:i + block]).digest() for i in range(0, len(data), block))
    return hashlib.sha256(digests).hexdigest()


summary = {'sdk_version': dropbox.__version__}
check(os.environ.get('REQUESTS_CA_BUNDLE') == CA, 'REQUESTS_CA_BUNDLE must name the emulator certificate (see above)')

# The SDK took the hosts from the environment at import.
check(dbx_session.API_HOST == HOST, 'API_HOST %r' % dbx_session.API_HOST)
check(dbx_session.API_CONTENT_HOST == HOST, 'API_CONTENT_HOST %r' % dbx_session.API_CONTENT_HOST)
check(dbx_session.API_NOTIFICATION_HOST == HOST, 'API_NOTIFICATION_HOST %r' % dbx_session.API_NOTIFICATION_HOST)
check(dbx_session.WEB_HOST == HOST, 'WEB_HOST %r' % dbx_session.WEB_HOST)

# ---- OAuth: authorization code + PKCE, no redirect URI (the code is shown on the page) ----
flow = DropboxOAuth2FlowNoRedirect(APP_KEY, use_pkce=True, token_access_type='offline', ca_certs=CA)
authorize_url = flow.start()
u = urllib.parse.urlsplit(authorize_url)
q = dict(urllib.parse.parse_qsl(u.query))
check(u.scheme == 'https' and u.netloc == HOST and u.path == '/oauth2/authorize', 'authorize url %r' % authorize_url)
check(q.get('client_id') == APP_KEY and q.get('response_type') == 'code', 'authorize params %r' % q)
check(q.get('code_challenge_method') == 'S256' and len(q.get('code_challenge', '')) == 43, 'pkce params %r' % q)
check(q.get('token_access_type') == 'offline' and 'redirect_uri' not in q, 'access type / redirect %r' % q)

# The user's side: the consent page, then its form (plain HTTP, as a browser would).
web = requests.Session()
web.verify = CA
page = web.get(authorize_url, timeout=30)
check(page.status_code == 200, 'consent page %d: %s' % (page.status_code, page.text[:300]))
form = [(html.unescape(k), html.unescape(v))
        for k, v in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', page.text)]
check(('code_challenge', q['code_challenge']) in form, 'the form carries the challenge')
form += [('account', ACCOUNT_ID), ('decision', 'allow')]
decided = web.post('https://%s/oauth2/authorize' % HOST, data=form, allow_redirects=False, timeout=30)
check(decided.status_code == 200, 'decision %d: %s' % (decided.status_code, decided.text[:300]))
m = re.search(r'<code id="code">([^<]+)</code>', decided.text)
check(m is not None, 'no code on the page: %s' % decided.text[:300])
code = html.unescape(m.group(1))

result = flow.finish(code)  # the SDK's own exchange (sends code_verifier, no secret)
check(result.access_token.startswith('sl.'), 'access token %r' % result.access_token[:8])
check(result.refresh_token, 'offline access gives a refresh token')
check(result.account_id == ACCOUNT_ID, 'account_id %r' % result.account_id)
check(isinstance(result.expires_at, datetime.datetime), 'expires_at %r' % result.expires_at)
check(result.scope and 'files.content.write' in result.scope.split(), 'scope %r' % result.scope)
summary['oauth'] = {'account_id': result.account_id, 'uid': result.user_id, 'has_refresh': bool(result.refresh_token)}

# A code is single-use. The flow's finish() does raise_for_status(), so the emulator's
# 400 {"error": "invalid_grant"} reaches the caller as requests' HTTPError.
try:
    flow.finish(code)
    raise AssertionError('a reused code was accepted')
except requests.exceptions.HTTPError as e:
    check(e.response.status_code == 400 and e.response.json()['error'] == 'invalid_grant', 'reused code: %s' % e.response.text)
    summary['oauth']['reused_code'] = '400 invalid_grant'

# ---- A client that starts from the refresh token alone and refreshes before its first call ----
dbx = dropbox.Dropbox(oauth2_refresh_token=result.refresh_token, app_key=APP_KEY, ca_certs=CA, timeout=60)
me = dbx.users_get_current_account()
check(dbx._oauth2_access_token and dbx._oauth2_access_token != result.access_token, 'the client refreshed')
check(me.account_id == ACCOUNT_ID and me.email == 'sandy@example.com', 'account %r' % me)
check(isinstance(me.root_info, common.UserRootInfo) and me.root_info.home_namespace_id == me.root_info.root_namespace_id, 'root_info %r' % me.root_info)
summary['account'] = {'account_id': me.account_id, 'email': me.email, 'display_name': me.name.display_name,
                      'root_info': type(me.root_info).__name__, 'account_type': 'basic' if me.account_type.is_basic() else 'pro' if me.account_type.is_pro() else 'business'}
space = dbx.users_get_space_usage()
check(space.allocation.is_individual() and space.allocation.get_individual().allocated > 0, 'space %r' % space)

# ---- files ----
base = '/PySDK'
made = dbx.files_create_folder_v2(base)
check(isinstance(made.metadata, files.FolderMetadata) and made.metadata.path_display == base, 'create %r' % made)

name = 'Résumé ✓ 日本.txt'
text = 'héllo from the Python SDK ✓ 日本\n'.encode('utf-8')
up = dbx.files_upload(text, '%s/%s' % (base, name), mode=files.WriteMode.overwrite, content_hash=dropbox_content_hash(text))
check(isinstance(up, files.FileMetadata), 'upload result %r' % up)
check(up.name == name and up.path_display == '%s/%s' % (base, name), 'non-ASCII name %r' % up.name)
check(up.size == len(text) and up.content_hash == dropbox_content_hash(text), 'upload size/hash %r' % up)
meta, resp = dbx.files_download('%s/%s' % (base, name))
body = resp.content
resp.close()
check(body == text and meta.rev == up.rev and meta.name == name, 'download %r %r' % (meta, body[:40]))
summary['upload'] = {'name': up.name, 'path_display': up.path_display, 'size': up.size, 'content_hash': up.content_hash, 'downloaded': body == text}

# A wrong content_hash on upload is the route's 409, not a stored file.
try:
    dbx.files_upload(b'x', base + '/bad-hash.txt', content_hash='0' * 64)
    raise AssertionError('a wrong content_hash was accepted')
except ApiError as e:
    check(isinstance(e.error, files.UploadError) and e.error.is_content_hash_mismatch(), 'hash mismatch: %r' % e.error)

# Upload session: start / append_v2 / finish, 5 MiB + a bit (two 4 MiB hash blocks).
mib = 1024 * 1024
chunks = [os.urandom(2 * mib), os.urandom(2 * mib), os.urandom(mib + 12345)]
whole = b''.join(chunks)
started = dbx.files_upload_session_start(chunks[0])
cursor = files.UploadSessionCursor(session_id=started.session_id, offset=len(chunks[0]))
dbx.files_upload_session_append_v2(chunks[1], cursor)
cursor.offset += len(chunks[1])
# A wrong offset comes back as the route's union with the correct offset.
try:
    dbx.files_upload_session_append_v2(b'zz', files.UploadSessionCursor(session_id=started.session_id, offset=7))
    raise AssertionError('a wrong offset was accepted')
except ApiError as e:
    check(e.error.is_incorrect_offset() and e.error.get_incorrect_offset().correct_offset == cursor.offset, 'offset: %r' % e.error)
commit = files.CommitInfo(path=base + '/big.bin', mode=files.WriteMode.add)
big = dbx.files_upload_session_finish(chunks[2], cursor, commit)
check(big.size == len(whole) and big.content_hash == dropbox_content_hash(whole), 'session result %r' % big)
meta, resp = dbx.files_download(base + '/big.bin')
got = b''.join(resp.iter_content(64 * 1024))
resp.close()
check(got == whole and meta.size == len(whole), 'big download (%d bytes)' % len(got))
summary['session'] = {'size': big.size, 'content_hash': big.content_hash, 'downloaded': got == whole}

# list_folder with limit + list_folder_continue.
for i in range(4):
    dbx.files_upload(str(i).encode(), '%s/n%d.txt' % (base, i))
sub = dbx.files_create_folder_v2(base + '/Sub')
check(sub.metadata.name == 'Sub', 'sub %r' % sub)
page = dbx.files_list_folder(base.lower(), limit=2)
pages = 1
first_has_more = page.has_more
entries = list(page.entries)
while page.has_more:
    page = dbx.files_list_folder_continue(page.cursor)
    pages += 1
    entries += page.entries
    check(pages < 50, 'pagination does not end')
names = sorted(e.name for e in entries)
check(first_has_more and pages >= 3, 'pages %d' % pages)
check(names == sorted([name, 'big.bin', 'n0.txt', 'n1.txt', 'n2.txt', 'n3.txt', 'Sub']), 'names %r' % names)
kinds = {e.name: type(e).__name__ for e in entries}
check(kinds['Sub'] == 'FolderMetadata' and kinds[name] == 'FileMetadata', 'kinds %r' % kinds)
summary['list'] = {'pages': pages, 'names': names, 'kinds': kinds}

# delete_v2, then the path is gone: a 409 the SDK raises as ApiError with the route's union.
deleted = dbx.files_delete_v2(base + '/n0.txt')
check(isinstance(deleted.metadata, files.FileMetadata) and deleted.metadata.name == 'n0.txt', 'delete %r' % deleted)
gone = dbx.files_delete_v2(base + '/Sub')
check(isinstance(gone.metadata, files.FolderMetadata), 'delete folder %r' % gone)
errors = {}
try:
    dbx.files_get_metadata(base + '/n0.txt')
    raise AssertionError('a deleted file still has metadata')
except ApiError as e:
    check(isinstance(e.error, files.GetMetadataError), 'error type %r' % type(e.error))
    check(e.error.is_path() and e.error.get_path().is_not_found(), 'get_metadata error %r' % e.error)
    errors['get_metadata'] = 'path/not_found'
try:
    dbx.files_download(base + '/n0.txt')
    raise AssertionError('a deleted file downloaded')
except ApiError as e:
    check(isinstance(e.error, files.DownloadError) and e.error.is_path() and e.error.get_path().is_not_found(), 'download error %r' % e.error)
    errors['download'] = 'path/not_found'
try:
    dbx.files_delete_v2(base + '/n0.txt')
    raise AssertionError('deleted twice')
except ApiError as e:
    check(e.error.is_path_lookup() and e.error.get_path_lookup().is_not_found(), 'delete error %r' % e.error)
    errors['delete_v2'] = 'path_lookup/not_found'
try:
    dbx.files_create_folder_v2(base)
    raise AssertionError('created an existing folder')
except ApiError as e:
    w = e.error.get_path()
    check(e.error.is_path() and w.is_conflict() and w.get_conflict().is_folder(), 'create error %r' % e.error)
    errors['create_folder_v2'] = 'path/conflict/folder'
summary['errors'] = errors

# ---- files/get_temporary_upload_link: the link takes one POST of the bytes without a token.
linked = b'through an upload link'
link = dbx.files_get_temporary_upload_link(files.CommitInfo(path=base + '/linked.txt'), duration=300).link
octet = {'Content-Type': 'application/octet-stream'}
posted = requests.post(link, data=linked, headers=octet, verify=CA, timeout=60)
check(posted.status_code == 200 and posted.json() == {'content-hash': dropbox_content_hash(linked)},
      'upload link %s %s' % (posted.status_code, posted.text))
reused = requests.post(link, data=b'again', headers=octet, verify=CA, timeout=60)
summary['upload_link'] = {'status': posted.status_code, 'reused': reused.status_code,
                          'size': dbx.files_get_metadata(base + '/linked.txt').size}

# ---- An access token that expires under the client: 401 expired_access_token, the SDK
# refreshes and retries the call by itself.
wait = int(os.environ['EMU_SHORT_EXPIRES_MS']) / 1000.0 - time.time() + 0.05
if wait > 0:
    time.sleep(wait)
far = datetime.datetime.utcnow() + datetime.timedelta(hours=1)  # the SDK thinks it is still valid
short = dropbox.Dropbox(oauth2_access_token=os.environ['EMU_SHORT_ACCESS'], oauth2_access_token_expiration=far,
                        oauth2_refresh_token=os.environ['EMU_SHORT_REFRESH'], app_key=APP_KEY, ca_certs=CA, timeout=60)
again = short.users_get_current_account()
check(again.account_id == ACCOUNT_ID, 'after 401 %r' % again)
check(short._oauth2_access_token != os.environ['EMU_SHORT_ACCESS'], 'refreshed after 401')
summary['expired_retry'] = True

print(json.dumps(summary, ensure_ascii=False))
