"""Sign-ups: status 'removed' (taken away by a published plan) does not hold a place

The partial unique index "one open sign-up per volunteer and shift" now counts confirmed
and waitlisted sign-ups only, so a volunteer whom a re-plan removed from a shift can sign up
for it again. The status column is a plain VARCHAR, so the new value needs no change there.

Revision ID: 0004_signup_removed
Revises: 0003_signup_source
Create Date: 2026-11-28 16:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_signup_removed'
down_revision = '0003_signup_source'
branch_labels = None
depends_on = None

OPEN = sa.text("status IN ('confirmed', 'waitlisted')")
NOT_WITHDRAWN = sa.text("status != 'withdrawn'")


def upgrade():
    with op.batch_alter_table('sign_ups', schema=None) as batch_op:
        batch_op.drop_index('uq_sign_ups_volunteer_shift_open',
                            sqlite_where=NOT_WITHDRAWN, postgresql_where=NOT_WITHDRAWN)
        batch_op.create_index('uq_sign_ups_volunteer_shift_open', ['volunteer_id', 'shift_id'], unique=True,
                              sqlite_where=OPEN, postgresql_where=OPEN)


def downgrade():
    # Removed sign-ups would count as open again: turn them into withdrawals first.
    op.execute("UPDATE sign_ups SET status = 'withdrawn' WHERE status = 'removed'")
    with op.batch_alter_table('sign_ups', schema=None) as batch_op:
        batch_op.drop_index('uq_sign_ups_volunteer_shift_open', sqlite_where=OPEN, postgresql_where=OPEN)
        batch_op.create_index('uq_sign_ups_volunteer_shift_open', ['volunteer_id', 'shift_id'], unique=True,
                              sqlite_where=NOT_WITHDRAWN, postgresql_where=NOT_WITHDRAWN)
