"""Flask extensions, created unbound and bound in `create_app`."""

from flask_babel import Babel
from flask_login import LoginManager
from flask_mail import Mail
from flask_wtf import CSRFProtect

login_manager = LoginManager()
login_manager.session_protection = "strong"
login_manager.login_view = "auth.login"
mail = Mail()
csrf = CSRFProtect()
babel = Babel()
