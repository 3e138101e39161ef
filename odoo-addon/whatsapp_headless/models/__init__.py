from . import phone_normalize
from . import whatsapp_history
from . import res_partner
from . import res_users
from . import whatsapp_gateway_lease
