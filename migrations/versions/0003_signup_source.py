"""Sign-ups: who made them (self, coordinator, scheduler), as the planning contract says

Revision ID: 0003_signup_source
Revises: 0002_planning
Create Date: 2026-11-28 16:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003_signup_source'
down_revision = '0002_planning'
branch_labels = None
depends_on = None


def upgrade():
    # Existing rows were all made by volunteers themselves.
    with op.batch_alter_table('sign_ups', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'source',
            sa.Enum('self', 'coordinator', 'scheduler', name='signupsource', native_enum=False, length=20),
            server_default='self',
            nullable=False,
        ))


def downgrade():
    with op.batch_alter_table('sign_ups', schema=None) as batch_op:
        batch_op.drop_column('source')
