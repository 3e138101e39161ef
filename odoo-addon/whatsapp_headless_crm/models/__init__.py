from . import crm_lead
from . import whatsapp_history
from . import res_config_settings
from . import whatsapp_conversation
