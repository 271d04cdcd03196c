"""Categorical values of a case. These survive pseudonymisation and feed the indicators, so
their stored values are a contract: add new ones, never rename."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Phase(models.TextChoices):
    REFERRAL = "referral", _("Referral")  # vireilletulo
    MAPPING = "mapping", _("Mapping")  # kartoitus
    PLAN = "plan", pgettext_lazy("phase", "Plan")  # suunnitelma
    MEASURES = "measures", _("Measures")  # toimenpiteet
    FOLLOW_UP = "follow_up", pgettext_lazy("phase", "Follow-up")  # seuranta
    CLOSED = "closed", _("Closed")  # päätetty


PHASE_ORDER = [
    Phase.REFERRAL,
    Phase.MAPPING,
    Phase.PLAN,
    Phase.MEASURES,
    Phase.FOLLOW_UP,
    Phase.CLOSED,
]


class Outcome(models.TextChoices):
    RESOLVED = "resolved", _("Resolved")
    IMPROVED = "improved", _("Improved")
    NOT_RESOLVED = "not_resolved", _("Not resolved")
    TRANSFERRED = "transferred", _("Transferred to another service")
    DISCONTINUED = "discontinued", _("Discontinued (e.g. consent withdrawn)")


# Outcomes that end the work early: the case need not have gone through follow-up.
EARLY_OUTCOMES = {Outcome.TRANSFERRED, Outcome.DISCONTINUED}
# Outcomes a case may close with only when every agreement has been reviewed.
REVIEWED_AGREEMENTS_OUTCOMES = {Outcome.RESOLVED, Outcome.IMPROVED}


class ReferralSource(models.TextChoices):
    SCHOOL_STAFF = "school_staff", _("School staff")
    GUARDIAN = "guardian", _("Guardian")
    PUPIL = "pupil", _("Pupil")
    POLICE = "police", _("Police")
    MEDIATION_OFFICE = "mediation_office", _("Mediation office")
    CHILD_WELFARE = "child_welfare", _("Child welfare")
    FAMILY_SOCIAL_WORK = "family_social_work", _("Family social work")
    YOUTH_SERVICES = "youth_services", _("Youth services")
    HEALTH_CARE = "health_care", _("Health care")
    OTHER = "other", _("Other")


class BullyingForm(models.TextChoices):
    PHYSICAL = "physical", _("Physical")
    VERBAL = "verbal", _("Verbal")
    EXCLUSION = "exclusion", _("Exclusion")
    ONLINE = "online", _("Online, social media")
    PROPERTY = "property", _("Property")
    THREATS = "threats", _("Threats, extortion")
    SEXUAL_HARASSMENT = "sexual_harassment", _("Sexual harassment")
    DISCRIMINATION = "discrimination", _("Discrimination, racism")
    OTHER = "other", _("Other")


class Setting(models.TextChoices):
    SCHOOL_DAY = "school_day", _("School day")
    SCHOOL_JOURNEY = "school_journey", _("School journey")
    FREE_TIME = "free_time", _("Free time")
    ONLINE = "online", _("Online")


class AlreadyTried(models.TextChoices):
    KIVA_TEAM = "kiva_team", _("KiVa team discussions")
    GUARDIAN_TALKS = "guardian_talks", _("Talks with guardians")
    ROUND_TABLE = "round_table", _("Round-table meeting")
    POLICE = "police", _("Police")
    OTHER = "other", _("Other")


class RootCause(models.TextChoices):
    OLD_QUARREL = "old_quarrel", _("An old unresolved quarrel")
    PEER_SKILLS = "peer_skills", _("Gaps in peer-interaction skills")
    GROUP_DYNAMICS = "group_dynamics", _("Group dynamics")
    TEACHER_CHANGES = "teacher_changes", _("Frequent changes of teacher")
    HOME_SCHOOL_DISTRUST = "home_school_distrust", _("Distrust between home and school")
    FAMILY_CONFLICT = "family_conflict", _("Conflict between families")
    ONLINE_DYNAMICS = "online_dynamics", _("Online dynamics")
    OTHER = "other", _("Other")


class PartyRole(models.TextChoices):
    CENTRAL = "central", _("Central party")  # keskeinen osallinen
    BYSTANDER = "bystander", _("Bystander")  # sivullinen


class PartyKind(models.TextChoices):
    PUPIL = "pupil", _("Pupil")
    GUARDIAN = "guardian", _("Guardian")
    STAFF = "staff", _("School staff")
    OTHER = "other", _("Other adult")


class Position(models.TextChoices):
    """Optional and never required: K-0 does not label children culprits or victims."""

    HARMED = "harmed", _("Experienced harm")
    ACTED = "acted", _("Acted harmfully")
    BOTH = "both", _("Both")
    UNCLEAR = "unclear", _("Unclear")


class Gender(models.TextChoices):
    GIRL = "girl", _("Girl")
    BOY = "boy", _("Boy")
    OTHER = "other", _("Other or not specified")


class InformedHow(models.TextChoices):
    MEETING = "meeting", _("In a meeting")
    PHONE = "phone", _("By phone")
    MESSAGE = "message", _("By school message (Wilma)")
    LETTER = "letter", _("By letter")
    OTHER = "other", _("Other")


class InterventionKind(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual discussion")
    GUARDIAN = "guardian", _("Guardian discussion")
    JOINT = "joint", _("Joint meeting")
    MEDIATION = "mediation", _("Mediation")
    GROUP = "group", _("Class or group session")
    STAFF = "staff", _("Staff consultation")
    NETWORK = "network", _("Network meeting")
    REFERRAL = "referral", _("Referral to services")
    HOME_VISIT = "home_visit", _("Home visit")
    OTHER = "other", _("Other")


class InterventionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    # Set when the case closed before a planned meeting took place (`Case.close`).
    CANCELLED = "cancelled", _("Cancelled")


# A done meeting of one of these kinds is a hearing: its participants are heard on its date
# (`k0.cases.hearings`).
HEARING_KINDS = frozenset({"individual", "guardian", "home_visit"})


class HeardHow(models.TextChoices):
    """How a party was heard outside a meeting recorded in the case."""

    MEETING = "meeting", _("In a meeting")
    PHONE = "phone", _("By phone")
    VIDEO = "video", _("By video call")
    OTHER = "other", _("Other")


class AgreementStatus(models.TextChoices):
    OPEN = "open", _("Open")
    KEPT = "kept", _("Kept")
    PARTLY = "partly", _("Partly kept")
    BROKEN = "broken", _("Broken")


class FollowUpMethod(models.TextChoices):
    MEETING = "meeting", _("Meeting")
    DISCUSSION = "discussion", _("Individual discussions")
    PHONE = "phone", _("Phone call")
    OBSERVATION = "observation", _("Observation at school")
    OTHER = "other", _("Other")


class BullyingAssessment(models.TextChoices):
    STOPPED = "stopped", _("Stopped")
    DECREASED = "decreased", _("Decreased")
    CONTINUED = "continued", _("Continued")


class SituationAssessment(models.TextChoices):
    BETTER = "better", _("Better")
    SAME = "same", _("Same")
    WORSE = "worse", _("Worse")


class AgreementsAssessment(models.TextChoices):
    KEPT = "kept", _("Kept")
    PARTLY = "partly", _("Partly kept")
    BROKEN = "broken", _("Broken")
    NONE = "none", _("No agreements to assess")


class ConsentRule(models.TextChoices):
    """Whose consent the mapping needs, chosen by the team per case and written down."""

    ONE = "one", _("Consent of one guardian")
    ALL = "all", _("Consent of every guardian with custody")


class NoticeKind(models.TextChoices):
    """Statutory notices the school makes about a case (the indicators count cases with each)."""

    CHILD_WELFARE = "child_welfare", _("Child welfare notification")  # lastensuojeluilmoitus
    CRIME_REPORT = "crime_report", _("Crime report")  # rikosilmoitus
    POLICE_REQUEST = "police_request", _("Police request for assistance")  # virka-apupyyntö
    OTHER = "other", _("Other notice")
