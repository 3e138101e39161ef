from . import crm_lead
from . import res_config_settings
from . import whatsapp_conversation
