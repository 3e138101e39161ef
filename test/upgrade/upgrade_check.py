"""Seeds a 13.0.1.0.0 database with records of every kind, then (after the upgrade) checks that each
record kept every field it had and that the new schema is in place. Used by upgrade-check.sh."""
import json
import sys
import xmlrpc.client

ADMIN = ("admin", "admin")
HISTORY = "whatsapp.history"


def connect(url, db):
    common = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/common", allow_none=True)
    uid = common.authenticate(db, *ADMIN, {})
    models = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/object", allow_none=True)

    def call(model, method, *args, **kwargs):
        return models.execute_kw(db, uid, ADMIN[1], model, method, list(args), kwargs)

    return call, models, common


def stored_fields(call, model):
    fields = call(model, "fields_get", attributes=["store", "type"])
    return sorted(n for n, f in fields.items() if f.get("store") and f["type"] not in ("one2many", "many2many"))


def seed(url, db, path):
    call, _, _ = connect(url, db)
    partner = call("res.partner", "create", {"name": "Budi Santoso", "mobile": "0812-3456-7890"})
    company = call("res.partner", "create", {"name": "Bali Tours", "is_company": True, "phone": "+62 361 123456"})
    base = {"provider": "fonnte", "timestamp": "2025-01-15 03:00:00"}
    records = [
        {"phone": "+6281234567890", "direction": "in", "message": "Halo", "partner_id": partner,
         "contact_name": "Budi", "provider_message_id": "in-1", "device": "6285700000001",
         "raw_payload": '{"sender": "6281234567890"}'},
        {"phone": "+6281234567890", "direction": "out", "message": "Terima kasih", "partner_id": partner,
         "state": "read", "provider": "meta", "provider_message_id": "wamid.OUT1"},
        {"phone": "+6281234567890", "direction": "out", "message": "Gagal", "state": "failed",
         "error_message": "Meta 131047: outside the 24-hour window", "provider": "meta"},
        {"phone": "+6281299999999", "direction": "out", "message": "Queued in Odoo"},
        {"phone": "120363025246125486@g.us", "direction": "in", "message": "group hello", "provider_message_id": "grp-1"},
        {"phone": "123456789012345@lid", "direction": "in", "message_type": "image", "message": False,
         "media_url": "https://example.test/a.jpg", "media_mimetype": "image/jpeg",
         "media_filename": "a.jpg", "provider_message_id": "lid-1"},
        {"phone": "+6281300000001", "direction": "in", "message_type": "location",
         "message": "-8.65, 115.21", "partner_id": company, "provider": "twilio", "provider_message_id": "SM1"},
    ]
    ids = call(HISTORY, "create", [dict(base, **r) for r in records])
    attachment = call("ir.attachment", "create", {"name": "a.jpg", "datas": "aGVsbG8=", "res_model": HISTORY,
                                                  "res_id": ids[5], "mimetype": "image/jpeg"})
    call(HISTORY, "write", [ids[5]], {"attachment_id": attachment})
    fields = stored_fields(call, HISTORY)
    rows = call(HISTORY, "read", ids, fields)
    partners = call("res.partner", "read", [partner, company], ["name", "phone", "mobile", "is_company"])
    with open(path, "w") as out:
        json.dump({"ids": ids, "fields": fields, "rows": rows, "partners": partners}, out)
    print("seeded %d messages (%d stored fields each), 2 partners, 1 attachment" % (len(ids), len(fields)))


def check(url, db, path, new_version="13.0.1.2.0"):
    call, models, common = connect(url, db)
    with open(path) as src:
        before = json.load(src)
    failures = []
    version = call("ir.module.module", "search_read", [("name", "=", "whatsapp_headless")],
                   ["installed_version", "latest_version", "state"])[0]
    if version["state"] != "installed" or version["latest_version"] != new_version:
        failures.append("module not upgraded: %r" % version)
    rows = call(HISTORY, "read", before["ids"], before["fields"])
    after = {r["id"]: r for r in rows}
    for old in before["rows"]:
        new = after.get(old["id"])
        if new is None:
            failures.append("record %d is gone" % old["id"])
            continue
        for name in before["fields"]:
            if name in ("write_date", "__last_update"):
                continue
            if old.get(name) != new.get(name):
                failures.append("record %d field %s: %r became %r" % (old["id"], name, old.get(name), new.get(name)))
    partners = call("res.partner", "read", [p["id"] for p in before["partners"]], ["name", "phone", "mobile", "is_company"])
    if partners != before["partners"]:
        failures.append("partners changed: %r -> %r" % (before["partners"], partners))

    # New schema: a message known only by its WhatsApp user id is accepted, one with neither is refused.
    new_fields = call(HISTORY, "fields_get", ["phone", "whatsapp_user_id"], attributes=["required"])
    if new_fields.get("phone", {}).get("required") is not False or "whatsapp_user_id" not in new_fields:
        failures.append("fields not upgraded: %r" % new_fields)
    bsuid = call(HISTORY, "create", {"whatsapp_user_id": "US.13491208655302741918", "direction": "in",
                                     "provider": "meta", "provider_message_id": "wamid.BSUID1"})
    try:
        call(HISTORY, "create", {"direction": "in", "provider": "meta", "provider_message_id": "wamid.NONE"})
        failures.append("a message with neither number nor user id was stored")
    except xmlrpc.client.Fault as fault:
        if "phone_or_user_id" not in fault.faultString:
            failures.append("unexpected refusal: %s" % fault.faultString[-300:])
    call(HISTORY, "unlink", [bsuid])

    # The Gateway group lost its read access on res.partner; the lookup method answers instead.
    group = call("ir.model.data", "xmlid_to_res_id", "whatsapp_headless.group_whatsapp_gateway")
    acl = call("ir.model.access", "search_read", [("group_id", "=", group), ("model_id.model", "=", "res.partner")], ["name"])
    if acl:
        failures.append("the Gateway group still has an access line on res.partner: %r" % acl)
    found = call("res.partner", "whatsapp_headless_find_partners", ["81234567890"], [])
    if [p["name"] for p in found] != ["Budi Santoso"]:
        failures.append("partner lookup after upgrade: %r" % found)

    # 13.0.1.2.0: the existing messages got their conversations, one per customer and business number.
    ids = before["ids"]
    links = {r["id"]: r["conversation_id"] and r["conversation_id"][0]
             for r in call(HISTORY, "read", ids, ["conversation_id"])}
    if not all(links.values()):
        failures.append("messages without conversation after the upgrade: %r" % links)
    # The first three are one customer (the reply queued without business number included).
    if len({links[i] for i in ids[:3]}) != 1 or len(set(links.values())) != 5:
        failures.append("messages not grouped into 5 conversations as expected: %r" % links)
    conversation = call("whatsapp.conversation", "read", [links[ids[0]]],
                        ["identity_key", "device", "partner_id", "name", "last_message_id", "last_direction",
                         "is_waiting", "whatsapp_name"])[0]
    expected = {"identity_key": "+6281234567890", "device": "6285700000001", "name": "Budi Santoso",
                "last_direction": "out", "is_waiting": False, "whatsapp_name": "Budi"}
    if {k: conversation[k] for k in expected} != expected or conversation["last_message_id"][0] != ids[2]:
        failures.append("conversation summary after the upgrade: %r" % conversation)

    if failures:
        print("UPGRADE CHECK FAILED:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print("upgrade to %s kept %d messages and their %d fields intact; new fields, CHECK and ACL change in place"
          % (version["latest_version"], len(before["ids"]), len(before["fields"])))


if __name__ == "__main__":
    action, url, db, path = sys.argv[1:5]
    {"seed": seed, "check": check}[action](url, db, path, *sys.argv[5:])
