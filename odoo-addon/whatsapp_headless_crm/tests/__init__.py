from . import test_lead_from_whatsapp
