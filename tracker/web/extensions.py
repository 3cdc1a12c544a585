"""Flask extensions of the web layer, created unbound and bound in `create_app` (Flask-Babel's
lives in `tracker.core.i18n`, which the services' wording uses too)."""

from flask_babel import lazy_gettext
from flask_login import LoginManager
from flask_mail import Mail
from flask_wtf import CSRFProtect

login_manager = LoginManager()
login_manager.session_protection = "strong"
login_manager.login_view = "auth.login"
login_manager.login_message = lazy_gettext("Please sign in to see this page.")
login_manager.login_message_category = "info"
mail = Mail()
csrf = CSRFProtect()
