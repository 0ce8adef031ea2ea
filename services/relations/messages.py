"""The published contract of the relations service: its events and their payloads."""

from datetime import date

from marshmallow import Schema, ValidationError, fields, validate

from shared.config import MAX_CHUNK_RELATIONS
from shared.messages import Command, Event, Query

RELATION_TYPES = ("person", "organisation")
STATUSES = ("active", "archived")
# What is left of a relation merged into another or deleted: its id, and where it went.
TOMBSTONES = ("merged", "deleted")


def iso_date(value: str) -> None:
    try:
        date.fromisoformat(value)
    except ValueError:
        raise ValidationError("not a date as YYYY-MM-DD") from None


class EmailSchema(Schema):
    address = fields.Email(required=True)
    label = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=50))
    primary = fields.Boolean(load_default=False)


class PhoneSchema(Schema):
    number = fields.String(required=True, validate=validate.Length(min=1, max=40))
    label = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=50))
    primary = fields.Boolean(load_default=False)


class AddressSchema(Schema):
    street = fields.String(allow_none=True, validate=validate.Length(max=200))
    number = fields.String(allow_none=True, validate=validate.Length(max=20))
    postcode = fields.String(allow_none=True, validate=validate.Length(max=20))
    city = fields.String(allow_none=True, validate=validate.Length(max=100))
    country = fields.String(allow_none=True, validate=validate.Length(equal=2))


class RelationStateSchema(Schema):
    """A relation as other services see it (ARCHITECTURE.md, "Shapes other systems rely on")."""

    id = fields.String(required=True)
    type = fields.String(required=True, validate=validate.OneOf(RELATION_TYPES))
    initials = fields.String(allow_none=True)
    first_name = fields.String(allow_none=True)
    infix = fields.String(allow_none=True)
    last_name = fields.String(allow_none=True)
    organisation_name = fields.String(allow_none=True)
    # ISO text, as the state carries it (a Date field would turn it into a date and back).
    birth_date = fields.String(allow_none=True, validate=iso_date, metadata={"format": "date"})
    emails = fields.List(fields.Nested(EmailSchema), required=True)
    phones = fields.List(fields.Nested(PhoneSchema), required=True)
    address = fields.Nested(AddressSchema, allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    archived_reason = fields.String(allow_none=True)
    archived_at = fields.String(allow_none=True)
    fields_ = fields.Dict(data_key="fields", attribute="fields", required=True)
    tags = fields.List(fields.String(), required=True)
    version = fields.Integer(required=True)
    created_at = fields.String(required=True)
    updated_at = fields.String(required=True)


class RelationCreatedPayload(Schema):
    relation = fields.Nested(RelationStateSchema, required=True)


class RelationUpdatedPayload(Schema):
    relation = fields.Nested(RelationStateSchema, required=True)
    # field -> [before, after], for history and for consumers that react to one field
    changes = fields.Dict(keys=fields.String(), values=fields.List(fields.Raw(allow_none=True)),
                          required=True)


RelationCreated = Event("relations.relations.created", RelationCreatedPayload,
                        description="A relation was registered.")
RelationUpdated = Event("relations.relations.updated", RelationUpdatedPayload,
                        description="Fields of a relation changed; carries the whole new state.")


class BatchEntrySchema(Schema):
    relation = fields.Nested(RelationStateSchema, required=True)
    changes = fields.Dict(keys=fields.String(), values=fields.List(fields.Raw(allow_none=True)),
                          required=True)


class RelationsBatchUpdatedPayload(Schema):
    entries = fields.List(fields.Nested(BatchEntrySchema), required=True)
    # The bulk job that made the change, when one did.
    job = fields.String(allow_none=True, load_default=None)
    # Set by a job that asks downstream automations (welcome mails, workflows) to stand by.
    suppress_automations = fields.Boolean(load_default=False)


class FieldOptionSchema(Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)


class FieldDefinitionSchema(Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)
    type = fields.String(required=True)
    options = fields.List(fields.Nested(FieldOptionSchema), required=True)
    required = fields.Boolean(required=True)
    applies_to = fields.List(fields.String(), required=True)
    created_at = fields.String(required=True)
    updated_at = fields.String(required=True)


class FieldPayload(Schema):
    field = fields.Nested(FieldDefinitionSchema, required=True)


class FieldDeletedPayload(Schema):
    key = fields.String(required=True)


RelationsBatchUpdated = Event(
    "relations.relations.batch_updated", RelationsBatchUpdatedPayload,
    description="Many relations changed in one transaction: one entry per relation.")
RelationsBatchValuesUpdated = Event(
    "relations.relations.batch_values_updated", RelationsBatchUpdatedPayload,
    description="Many relations changed in one transaction in custom field values or tags "
                "only (a bulk job's usual change): one entry per relation, as batch_updated. "
                "A service that keeps neither leaves it unsubscribed, and a million-relation "
                "job costs it nothing.")

FieldDefined = Event("relations.fields.defined", FieldPayload,
                     description="A custom field was added to the relation card.")
FieldChanged = Event("relations.fields.changed", FieldPayload,
                     description="A custom field's label, options or rules changed.")
FieldDeleted = Event("relations.fields.deleted", FieldDeletedPayload,
                     description="A custom field was removed, with its values.")


class LifecycleEntrySchema(Schema):
    relation = fields.Nested(RelationStateSchema, required=True)


class RelationsArchivedPayload(Schema):
    entries = fields.List(fields.Nested(LifecycleEntrySchema), required=True)
    reason = fields.String(required=True)
    job = fields.String(allow_none=True, load_default=None)


class RelationsRestoredPayload(Schema):
    entries = fields.List(fields.Nested(LifecycleEntrySchema), required=True)
    job = fields.String(allow_none=True, load_default=None)


class RelationsDeletedPayload(Schema):
    relation_ids = fields.List(fields.String(), required=True)
    job = fields.String(allow_none=True, load_default=None)


RelationsArchived = Event("relations.relations.archived", RelationsArchivedPayload,
                          description="Relations were archived, with the reason.")
RelationsRestored = Event("relations.relations.restored", RelationsRestoredPayload,
                          description="Archived relations are active again.")
RelationsDeleted = Event("relations.relations.deleted", RelationsDeletedPayload,
                         description="Relations were erased for good; their ids are tombstones.")


class FunctionStateSchema(Schema):
    """A function: `relation_id` holds `role` at `organisation_id` from start to end date (the
    last day held). `active` is as of the event; a read model should re-derive it from the dates."""

    id = fields.String(required=True)
    relation_id = fields.String(required=True)
    organisation_id = fields.String(required=True)
    role = fields.String(required=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(allow_none=True, required=True)
    active = fields.Boolean(required=True)
    created_at = fields.String(required=True)
    updated_at = fields.String(required=True)


class FunctionPayload(Schema):
    function = fields.Nested(FunctionStateSchema, required=True)
    # field -> [before, after]; empty when a function is added or deleted.
    changes = fields.Dict(keys=fields.String(), values=fields.List(fields.Raw(allow_none=True)),
                          load_default=dict)


FunctionAdded = Event("relations.functions.added", FunctionPayload,
                      description="A relation took up a role at another relation.")
FunctionChanged = Event("relations.functions.changed", FunctionPayload,
                        description="A function's role or period changed (not its ending).")
FunctionEnded = Event("relations.functions.ended", FunctionPayload,
                      description="A function was ended: it got an end date, or (when a "
                                  "relation was archived) an earlier one.")
FunctionDeleted = Event("relations.functions.deleted", FunctionPayload,
                        description="A function was removed as if never held; its last state.")


class ContactMomentStateSchema(Schema):
    id = fields.String(required=True)
    relation_id = fields.String(required=True)
    kind = fields.String(required=True)
    at = fields.String(required=True, metadata={"description": "When it happened (UTC)."})
    subject = fields.String(required=True)
    note = fields.String(allow_none=True, required=True)
    by = fields.String(required=True, metadata={"description": "Who recorded it."})
    created_at = fields.String(required=True)
    updated_at = fields.String(required=True)


class ContactMomentPayload(Schema):
    contact_moment = fields.Nested(ContactMomentStateSchema, required=True)
    changes = fields.Dict(keys=fields.String(), values=fields.List(fields.Raw(allow_none=True)),
                          load_default=dict)


ContactMomentRecorded = Event("relations.contact_moments.recorded", ContactMomentPayload,
                              description="A contact with a relation was recorded.")
ContactMomentChanged = Event("relations.contact_moments.changed", ContactMomentPayload,
                             description="A recorded contact moment was corrected.")
ContactMomentDeleted = Event("relations.contact_moments.deleted", ContactMomentPayload,
                             description="A contact moment was removed; its last state.")


class DefinitionSchema(Schema):
    """A tag or dossier action definition."""

    key = fields.String(required=True)
    label = fields.String(required=True)
    description = fields.String(allow_none=True, required=True)
    category = fields.String(allow_none=True, required=True)
    created_at = fields.String(required=True)
    updated_at = fields.String(required=True)


class DefinitionPayload(Schema):
    definition = fields.Nested(DefinitionSchema, required=True)


class DefinitionDeletedPayload(Schema):
    key = fields.String(required=True)


TagDefined = Event("relations.tags.defined", DefinitionPayload,
                   description="A tag relations can carry was defined.")
TagChanged = Event("relations.tags.changed", DefinitionPayload,
                   description="A tag's label, description or category changed.")
TagDeleted = Event("relations.tags.deleted", DefinitionDeletedPayload,
                   description="A tag no relation held was deleted.")
DossierActionDefined = Event("relations.dossier_actions.defined", DefinitionPayload,
                             description="An action dossiers can carry was defined.")
DossierActionChanged = Event("relations.dossier_actions.changed", DefinitionPayload,
                             description="A dossier action's label, description or category "
                                         "changed.")
DossierActionDeleted = Event("relations.dossier_actions.deleted", DefinitionDeletedPayload,
                             description="A dossier action no dossier held was deleted.")


class DossierStateSchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": "household or case"})
    actions = fields.List(fields.String(), required=True, metadata={
        "description": "Action keys; each applies to every member."})
    member_ids = fields.List(fields.String(), required=True)
    version = fields.Integer(required=True)
    created_at = fields.String(required=True)
    updated_at = fields.String(required=True)


class DossierPayload(Schema):
    dossier = fields.Nested(DossierStateSchema, required=True)


class DossiersPayload(Schema):
    dossiers = fields.List(fields.Nested(DossierStateSchema), required=True)


class DossierDeletedPayload(Schema):
    id = fields.String(required=True)
    member_ids = fields.List(fields.String(), required=True, metadata={
        "description": "Who were members until the dossier went."})


DossierCreated = Event("relations.dossiers.created", DossierPayload,
                       description="A dossier was opened; its whole state.")
DossierChanged = Event("relations.dossiers.changed", DossierPayload,
                       description="A dossier's name, kind, members or actions changed; its "
                                   "whole new state.")
DossiersBatchChanged = Event("relations.dossiers.batch_changed", DossiersPayload,
                             description="Many dossiers changed in one transaction; the whole "
                                         "new state of each.")
DossierDeleted = Event("relations.dossiers.deleted", DossierDeletedPayload,
                       description="A dossier was deleted, with its memberships and actions.")


# --- Commands and queries for bulk work (request/reply; the bulk service is the caller) ----

class ChunkSchema(Schema):
    """What every chunk command carries: the job (the idempotency key with each relation),
    the relations, and who the job runs for (checked again here)."""

    job = fields.String(required=True, validate=validate.Length(min=1, max=64))
    relation_ids = fields.List(fields.String(), required=True,
                               validate=validate.Length(min=1, max=MAX_CHUNK_RELATIONS))
    principal = fields.Dict(allow_none=True, load_default=None)
    suppress_automations = fields.Boolean(load_default=False)


class FieldChangesPayload(ChunkSchema):
    # {"newsletter": {"set": true}, "interests": {"add": ["sport"], "remove": ["music"]},
    #  "remarks": {"overwrite": "…"}, "city": {"clear": true}}
    changes = fields.Dict(keys=fields.String(), values=fields.Dict(), required=True)


class ArchiveChunkPayload(ChunkSchema):
    reason = fields.String(required=True)
    confirmations = fields.List(fields.String(), load_default=list)


class RestoreBeforeImagesPayload(ChunkSchema):
    # {relation_id: {"before": {field: value}, "version": version the job left}}
    images = fields.Dict(keys=fields.String(), values=fields.Dict(), required=True)
    # skip: leave relations someone changed after the job; overwrite: restore them anyway
    mode = fields.String(load_default="skip", validate=validate.OneOf(("skip", "overwrite")))


class ChangesOnlyPayload(Schema):
    changes = fields.Dict(keys=fields.String(), values=fields.Dict(), required=True)


class RelationIdsPayload(Schema):
    relation_ids = fields.List(fields.String(), required=True,
                               validate=validate.Length(min=1, max=5000))


# Chunk commands answer a redelivery from their (job, relation) records: no inbox copy.
ApplyFieldChanges = Command("relations.apply_field_changes", FieldChangesPayload, inbox=False,
                            description="Apply the same field changes to a chunk of relations.")
ArchiveChunk = Command("relations.archive_relations", ArchiveChunkPayload, inbox=False,
                       description="Archive a chunk of relations.")
DeleteChunk = Command("relations.delete_relations", ChunkSchema, inbox=False,
                      description="Erase a chunk of relations for good (superusers only).")
RestoreBeforeImages = Command("relations.restore_before_images", RestoreBeforeImagesPayload,
                              inbox=False, description="Undo: put back what a bulk job changed.")
CheckFieldChanges = Query("relations.check_field_changes", ChangesOnlyPayload,
                          description="Validate bulk field changes before a job is created.")
GetRelationStates = Query("relations.get_relation_states", RelationIdsPayload,
                          description="The current states of up to 5,000 relations.")
GetRelationVersions = Query("relations.get_relation_versions", RelationIdsPayload,
                            description="The versions of up to 5,000 live relations (what an "
                                        "undo compares with the versions its job left).")
AssessArchive = Query("relations.assess_archive", RelationIdsPayload,
                      description="The archive impacts of a set of relations.")


class RelationsMergedPayload(Schema):
    merge_id = fields.String(required=True)
    keep = fields.Nested(RelationStateSchema, required=True)
    # Now tombstones that point at the keeper.
    merged = fields.List(fields.String(), required=True)


class MergeUndonePayload(Schema):
    merge_id = fields.String(required=True)
    keep = fields.Nested(RelationStateSchema, required=True)
    restored = fields.List(fields.Nested(RelationStateSchema), required=True)


RelationsMerged = Event("relations.relations.merged", RelationsMergedPayload,
                        description="Relations were merged into the kept one.")
MergeUndone = Event("relations.relations.merge_undone", MergeUndonePayload,
                    description="A merge was taken back: every relation is as it was before.")


# --- De-duplication: the matching rules as tuned, and pairs marked "not a duplicate" ---------

class DuplicateRuleStateSchema(Schema):
    rule = fields.String(required=True)
    enabled = fields.Boolean(required=True)
    score = fields.Integer(required=True)
    threshold = fields.Integer(allow_none=True, required=True, metadata={
        "description": "Only the fuzzy rule: the least name similarity (0-100) that matches."})
    description = fields.String(required=True)


class DuplicateRulesPayload(Schema):
    rules = fields.List(fields.Nested(DuplicateRuleStateSchema), required=True)
    reject_min_score = fields.Integer(required=True, metadata={
        "description": "The score from which on_duplicate=reject refuses a new relation."})


class DuplicateDismissalSchema(Schema):
    a = fields.String(required=True, metadata={"description": "The smaller relation id."})
    b = fields.String(required=True)
    by = fields.String(required=True, metadata={"description": "Who dismissed the pair."})
    dismissed_at = fields.String(required=True)


class DuplicateDismissalPayload(Schema):
    dismissal = fields.Nested(DuplicateDismissalSchema, required=True)


DuplicateRulesChanged = Event("relations.duplicate_rules.changed", DuplicateRulesPayload,
                              description="A matching rule or a de-duplication setting was "
                                          "changed; every rule and setting as they are now.")
DuplicatesDismissed = Event("relations.duplicates.dismissed", DuplicateDismissalPayload,
                            description="Two relations were marked as not duplicates of each "
                                        "other; the pair is not proposed again.")
DuplicateDismissalWithdrawn = Event("relations.duplicates.dismissal_withdrawn",
                                    DuplicateDismissalPayload,
                                    description="A \"not a duplicate\" mark was taken back; the "
                                                "pair may be proposed again.")


class TagChunkPayload(ChunkSchema):
    tag = fields.String(required=True, validate=validate.Length(min=1, max=64))


AddTagChunk = Command("relations.add_tag", TagChunkPayload, inbox=False,
                      description="Give a chunk of relations a tag.")
RemoveTagChunk = Command("relations.remove_tag", TagChunkPayload, inbox=False,
                         description="Take a tag off a chunk of relations (every occurrence).")


# --- The current state of everything, a page at a time (a read model's rebuild asks) --------

EXPORT_PARTS = ("relations", "gone", "functions", "dossiers", "fields", "tags", "dossier_actions")


class ExportStatesPayload(Schema):
    part = fields.String(required=True, validate=validate.OneOf(EXPORT_PARTS), metadata={
        "description": "relations (active and archived states), gone (merged and deleted "
                       "ids), functions, dossiers, fields, tags or dossier_actions."})
    after = fields.String(allow_none=True, load_default=None, metadata={
        "description": "The last id (key) of the previous page; none for the first."})
    limit = fields.Integer(load_default=500, validate=validate.Range(min=1, max=1000))


ExportStates = Query("relations.export_states", ExportStatesPayload,
                     description="A page of the current states of one part, by id: "
                                 "{items, next}; items are shaped as the events carry them, a "
                                 "gone item is {id, reason, merged_into, merge_id, at}.")


# --- Undoing a bulk archive: restore the relations a job archived ---------------------------

class RestoreArchivedPayload(ChunkSchema):
    # {relation_id: the version the archive left}: a relation changed since is skipped
    # (mode "skip") or restored all the same ("overwrite")
    versions = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    mode = fields.String(load_default="skip", validate=validate.OneOf(("skip", "overwrite")))


RestoreArchivedChunk = Command("relations.restore_archived", RestoreArchivedPayload, inbox=False,
                               description="Undo a bulk archive: restore a chunk of the "
                                           "relations it archived.")


# --- A different value per relation (the bulk edit_each operation) --------------------------

class RelationEditsPayload(Schema):
    # The fields the form edits: standard (emails, phones, address, names, birth_date) or
    # custom field keys; each relation's values name only these.
    fields_ = fields.List(fields.String(), data_key="fields", attribute="fields", required=True,
                          validate=validate.Length(min=1, max=100))
    # {relation_id: {field: value}}, values as the relation card API takes them
    values = fields.Dict(keys=fields.String(), values=fields.Dict(), load_default=dict,
                         validate=validate.Length(max=5000))


class EditEachPayload(ChunkSchema):
    fields_ = fields.List(fields.String(), data_key="fields", attribute="fields", required=True,
                          validate=validate.Length(min=1, max=100))
    values = fields.Dict(keys=fields.String(), values=fields.Dict(), required=True)


CheckRelationEdits = Query("relations.check_relation_edits", RelationEditsPayload,
                           description="Check a form's fields and each relation's own values "
                                       "without writing: {relations: {id: {changes} | "
                                       "{errors}}}; unknown fields are a 422.")
ApplyRelationEdits = Command("relations.apply_relation_edits", EditEachPayload, inbox=False,
                             description="Give each relation of a chunk its own values.")
