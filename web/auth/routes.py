"""Views for registering, logging in and logging out."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from scheduler.accounts import AccountError, LoginThrottled, authenticate, register_volunteer
from scheduler.communities import community_by_slug
from scheduler.extensions import db
from scheduler.models import Community, User
from web.auth import bp
from web.auth.forms import LoginForm, registration_form
from web.i18n import SESSION_KEY
from web.main.routes import safe_next


def landing_url(user: User) -> str:
    """Where a user goes after logging in: their area's start page once it exists."""
    endpoint = "coordinator.index" if user.is_coordinator else "volunteer.index"
    if endpoint in current_app.view_functions:
        return url_for(endpoint)
    return url_for("main.index")


@bp.route("/register")
def register_choose():
    """Pick a community to join (skipped when there is only one, or a default)."""
    communities = db.session.scalars(select(Community).order_by(Community.name)).all()
    default = community_by_slug(current_app.config["DEFAULT_COMMUNITY"])
    if len(communities) == 1 or (default is not None and "all" not in request.args):
        chosen = default or communities[0]
        return redirect(url_for("auth.register", community=chosen.slug))
    return render_template("auth/choose_community.html", communities=communities)


@bp.route("/register/<community>", methods=["GET", "POST"])
def register(community: str):
    """A new volunteer joins `community`."""
    joined = community_by_slug(community) or abort(404)
    form = registration_form(joined)
    if form.validate_on_submit():
        teams = [team for team in joined.teams if team.id in set(form.teams.data)]
        levels = {skill: form[f"skill_{skill.id}"].data for skill in joined.skills}
        try:
            user = register_volunteer(
                joined,
                name=form.name.data,
                mobile=form.mobile.data,
                password=form.password.data,
                teams=teams,
                skills={skill: level for skill, level in levels.items() if level > 0},
                locale=session.get(SESSION_KEY),
            )
        except AccountError as error:
            db.session.rollback()
            form[error.field].errors.append(error.message)
        else:
            db.session.commit()
            login_user(user)
            flash(_("Welcome, %(name)s! Your account is ready.", name=user.display_name), "success")
            return redirect(landing_url(user))
    return render_template("auth/register.html", form=form, community=joined)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with mobile number and password (failures are throttled)."""
    if current_user.is_authenticated:
        return redirect(landing_url(current_user))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = authenticate(form.mobile.data, form.password.data, address=request.remote_addr or "")
        except LoginThrottled:
            flash(_("Too many failed attempts. Please wait 15 minutes and try again."), "error")
            status = 429
        else:
            db.session.commit()
            if user is None:
                form.password.errors.append(_("Wrong mobile number or password."))
            else:
                # The language last chosen on this device wins, also over the account's.
                if session.get(SESSION_KEY) and user.locale != session[SESSION_KEY]:
                    user.locale = session[SESSION_KEY]
                    db.session.commit()
                login_user(user, remember=form.remember.data)
                flash(_("Hello, %(name)s.", name=user.display_name), "success")
                return redirect(safe_next(request.args.get("next")) or landing_url(user))
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    """Log out (a POST with the CSRF token, so no link can log someone out)."""
    locale = session.get(SESSION_KEY)
    logout_user()
    if locale:
        session[SESSION_KEY] = locale
    flash(_("You have logged out."), "info")
    return redirect(url_for("main.index"))
