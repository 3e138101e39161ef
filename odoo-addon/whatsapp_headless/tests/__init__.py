from . import test_phone_normalize
from . import test_whatsapp_history
from . import test_security
from . import test_gateway_lease
from . import test_conversation
from . import test_ui
