from . import phone_normalize
from . import whatsapp_history
from . import whatsapp_conversation
from . import res_partner
from . import res_users
from . import whatsapp_gateway_lease
from . import whatsapp_gateway_health
