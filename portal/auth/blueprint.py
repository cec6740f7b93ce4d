from flask import Blueprint

from portal.auth import second_factor_views, session_views, sessions, tokens, views

bp = Blueprint("auth", __name__)
bp.before_app_request(sessions.check_session)  # first: an ended session guards nothing
bp.before_app_request(second_factor_views.enrolment_guard)
bp.app_context_processor(sessions.template_helpers)

bp.add_url_rule("/register", "register", views.register, methods=["GET", "POST"])
bp.add_url_rule("/register/check-email", "check_email", views.check_email)
bp.add_url_rule("/confirm/<token>", "confirm", views.confirm)
bp.add_url_rule("/confirm", "resend_confirmation", views.resend_confirmation,
                methods=["GET", "POST"])
bp.add_url_rule("/login", "login", views.login, methods=["GET", "POST"])
bp.add_url_rule("/login/second-factor", "login_code", second_factor_views.login_code,
                methods=["GET", "POST"])
bp.add_url_rule("/logout", "logout", views.logout, methods=["POST"])
bp.add_url_rule("/password/forgot", "forgot_password", views.forgot_password,
                methods=["GET", "POST"])
bp.add_url_rule("/password/reset/<token>", "reset_password", views.reset_password,
                methods=["GET", "POST"])
bp.add_url_rule("/account", "account", views.account)
bp.add_url_rule("/account/password", "change_password", views.change_password,
                methods=["GET", "POST"])
bp.add_url_rule("/account/language", "account_language", views.account_language,
                methods=["POST"])
bp.add_url_rule("/account/firm/invite", "invite_colleague", views.invite_colleague,
                methods=["POST"])
bp.add_url_rule("/account/second-factor", "second_factor", second_factor_views.second_factor,
                methods=["GET", "POST"])
bp.add_url_rule("/account/second-factor/recovery-codes", "second_factor_recovery_codes",
                second_factor_views.recovery_codes, methods=["POST"])
bp.add_url_rule("/account/second-factor/disable", "second_factor_disable",
                second_factor_views.disable, methods=["POST"])
bp.add_url_rule("/account/sessions/end", "end_sessions", views.end_sessions, methods=["POST"])
bp.add_url_rule("/account/sessions", "sessions", session_views.sessions_page)
bp.add_url_rule("/account/sessions/end-all", "end_everywhere", session_views.end_everywhere,
                methods=["POST"])
bp.add_url_rule("/session", "session_status", session_views.session_status)
bp.add_url_rule("/session/keepalive", "session_keepalive", session_views.session_keepalive,
                methods=["POST"])
bp.add_url_rule("/account/tokens", "tokens", tokens.tokens)
bp.add_url_rule("/account/tokens/new", "create_token", tokens.create_token, methods=["POST"])
bp.add_url_rule("/account/tokens/<int:token_id>/revoke", "revoke_token", tokens.revoke_token,
                methods=["POST"])
