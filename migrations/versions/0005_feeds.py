"""Calendar feeds: private feed tokens (hashes only), reminder settings, the event ledger

Revision ID: 0005_feeds
Revises: 0004_signup_removed
Create Date: 2026-11-28 16:33:43.725622

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_feeds'
down_revision = '0004_signup_removed'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('feed_scopes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('volunteer', 'community', 'activity', 'venue', 'team', name='scopekind', native_enum=False, length=20), nullable=False),
    sa.Column('ref_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('modified_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reconciled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('header', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_feed_scopes_community_id_communities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feed_scopes')),
    sa.UniqueConstraint('kind', 'ref_id', name=op.f('uq_feed_scopes_kind_ref_id'))
    )
    with op.batch_alter_table('feed_scopes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feed_scopes_community_id'), ['community_id'], unique=False)

    op.create_table('feed_settings',
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('remind_evening_before', sa.Boolean(), nullable=False),
    sa.Column('evening_time', sa.Time(), nullable=False),
    sa.Column('remind_minutes_before', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('remind_minutes_before IS NULL OR (remind_minutes_before > 0 AND remind_minutes_before <= 10080)', name=op.f('ck_feed_settings_minutes_before_range')),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer_profiles.id'], name=op.f('fk_feed_settings_volunteer_id_volunteer_profiles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('volunteer_id', name=op.f('pk_feed_settings'))
    )
    op.create_table('feed_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer_profiles.id'], name=op.f('fk_feed_tokens_volunteer_id_volunteer_profiles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feed_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_feed_tokens_token_hash'))
    )
    with op.batch_alter_table('feed_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feed_tokens_volunteer_id'), ['volunteer_id'], unique=False)
        batch_op.create_index('uq_feed_tokens_active_volunteer', ['volunteer_id'], unique=True, sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))

    op.create_table('feed_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope_id', sa.Integer(), nullable=False),
    sa.Column('shift_id', sa.Integer(), nullable=True),
    sa.Column('uid', sa.String(length=255), nullable=False),
    sa.Column('status', sa.Enum('confirmed', 'cancelled', name='eventstatus', native_enum=False, length=20), nullable=False),
    sa.Column('cancel_reason', sa.Enum('shift_cancelled', 'shift_deleted', 'removed', 'left_feed', name='cancelreason', native_enum=False, length=20), nullable=True),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_modified', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('drop_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ics', sa.Text(), nullable=True),
    sa.Column('ics_key', sa.String(length=64), nullable=True),
    sa.CheckConstraint('sequence >= 0', name=op.f('ck_feed_events_sequence_non_negative')),
    sa.ForeignKeyConstraint(['scope_id'], ['feed_scopes.id'], name=op.f('fk_feed_events_scope_id_feed_scopes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shift_id'], ['shifts.id'], name=op.f('fk_feed_events_shift_id_shifts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feed_events')),
    sa.UniqueConstraint('scope_id', 'shift_id', name=op.f('uq_feed_events_scope_id_shift_id'))
    )
    with op.batch_alter_table('feed_events', schema=None) as batch_op:
        batch_op.create_index('ix_feed_events_scope_drop_at', ['scope_id', 'drop_at'], unique=False)
        batch_op.create_index('ix_feed_events_scope_starts_at', ['scope_id', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_feed_events_shift_id'), ['shift_id'], unique=False)



def downgrade():
    with op.batch_alter_table('feed_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feed_events_shift_id'))
        batch_op.drop_index('ix_feed_events_scope_starts_at')
        batch_op.drop_index('ix_feed_events_scope_drop_at')

    op.drop_table('feed_events')
    with op.batch_alter_table('feed_tokens', schema=None) as batch_op:
        batch_op.drop_index('uq_feed_tokens_active_volunteer', sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_feed_tokens_volunteer_id'))

    op.drop_table('feed_tokens')
    op.drop_table('feed_settings')
    with op.batch_alter_table('feed_scopes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feed_scopes_community_id'))

    op.drop_table('feed_scopes')
