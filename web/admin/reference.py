"""Coordinator views of the reference data: teams, skills, venues and grids.

The four share one set of views, told apart by the ``kind`` in the URL; each kind has its
model, form and wording in `KINDS`.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from scheduler.admin import (
    AdminError,
    create_reference,
    delete_reference,
    reference_uses,
    references_of,
    update_reference,
)
from scheduler.extensions import db
from scheduler.models import Community, Grid, Skill, Team, Venue
from web.admin import bp
from web.admin.common import own_or_404, show_error
from web.admin.forms import ConfirmForm, ReferenceForm, VenueForm
from web.auth.decorators import coordinator_required


@dataclass(frozen=True)
class Kind:
    """One kind of reference data and how its pages talk about it."""

    model: type
    form: type
    title: object
    new_title: object
    help: object


KINDS: dict[str, Kind] = {
    "teams": Kind(Team, ReferenceForm, _l("Teams"), _l("Add a team"),
                  _l("Groups of volunteers, such as retired cadres or students. Roles can be open to some teams only.")),
    "skills": Kind(Skill, ReferenceForm, _l("Skills"), _l("Add a skill"),
                   _l("What volunteers can do, such as calligraphy or first aid. Roles ask for a skill at a minimum level.")),
    "venues": Kind(Venue, VenueForm, _l("Venues"), _l("Add a venue"),
                   _l("Places where activities happen. The address appears in volunteers' calendars.")),
    "grids": Kind(Grid, ReferenceForm, _l("Grids"), _l("Add a grid"),
                  _l("Blocks of the community (网格). A duty of a grid is staffed by volunteers of that grid.")),
}


def _kind_or_404(kind: str) -> Kind:
    return KINDS.get(kind) or abort(404)


def _address(form: ReferenceForm) -> str:
    return (form.address.data or "") if isinstance(form, VenueForm) else ""


@bp.route("/<community>/<any(teams, skills, venues, grids):kind>", methods=["GET", "POST"])
@coordinator_required
def references(community: Community, kind: str):
    """The list of one kind, with a form to add one."""
    spec = _kind_or_404(kind)
    form = spec.form()
    status = 200
    if form.validate_on_submit():
        try:
            item = create_reference(
                community, spec.model, code=form.code.data or "", name=form.name.data,
                address=_address(form),
            )
        except AdminError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("%(name)s was added.", name=item.name), "success")
            return redirect(url_for("admin.references", kind=kind))
    if request.method == "POST":
        status = 400
    items = references_of(community, spec.model)
    return render_template(
        "admin/references.html", community=community, kind=kind, spec=spec, form=form, items=items,
        uses={item.id: reference_uses(item) for item in items}, confirm=ConfirmForm(),
    ), status


@bp.route("/<community>/<any(teams, skills, venues, grids):kind>/<int:item_id>", methods=["GET", "POST"])
@coordinator_required
def reference_edit(community: Community, kind: str, item_id: int):
    """Rename (or re-code) one team, skill, venue or grid."""
    spec = _kind_or_404(kind)
    item = own_or_404(spec.model, item_id, community)
    form = spec.form(obj=item)
    if form.validate_on_submit():
        try:
            update_reference(
                item, code=form.code.data or "", name=form.name.data,
                address=_address(form),
            )
        except AdminError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("Changes to %(name)s were saved.", name=item.name), "success")
            return redirect(url_for("admin.references", kind=kind))
    return render_template(
        "admin/reference_form.html", community=community, kind=kind, spec=spec, form=form, item=item
    ), 400 if request.method == "POST" else 200


@bp.post("/<community>/<any(teams, skills, venues, grids):kind>/<int:item_id>/delete")
@coordinator_required
def reference_delete(community: Community, kind: str, item_id: int):
    """Delete one that nothing uses."""
    spec = _kind_or_404(kind)
    item = own_or_404(spec.model, item_id, community)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    name = item.name
    try:
        delete_reference(item)
    except AdminError as error:
        db.session.rollback()
        flash(_("%(name)s cannot be deleted: %(reason)s", name=name, reason=error.message), "error")
    else:
        db.session.commit()
        flash(_("%(name)s was deleted.", name=name), "success")
    return redirect(url_for("admin.references", kind=kind))
