CREATE TABLE "pipeline" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(100) NOT NULL UNIQUE,
    "is_default" INT NOT NULL,
    "position" INT NOT NULL
);
CREATE TABLE "stage" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "position" INT NOT NULL,
    "probability" INT NOT NULL /* Default win probability in percent */,
    "kind" VARCHAR(10) NOT NULL /* OPEN: open\nWON: won\nLOST: lost */,
    "pipeline_id" INT NOT NULL REFERENCES "pipeline" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_stage_pipelin_31cb1a" UNIQUE ("pipeline_id", "position")
);
CREATE TABLE "team" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(100) NOT NULL UNIQUE
) /* A sales team; its head is the member whose role is sales_head (no cyclic key with User). */;
CREATE TABLE "crm_user" (
    "version" INT NOT NULL /* Bumped on every change, and every update must send it */,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "email" VARCHAR(254) NOT NULL UNIQUE,
    "name" VARCHAR(200) NOT NULL,
    "subject" VARCHAR(255) UNIQUE /* OIDC `sub` */,
    "role" VARCHAR(20) /* ADMIN: admin\nSALES_HEAD: sales_head\nSALES_REP: sales_rep\nSUPPORT: support\nMARKETING: marketing */,
    "time_zone" VARCHAR(64) NOT NULL,
    "active" INT NOT NULL,
    "last_login_at" TIMESTAMP,
    "team_id" INT REFERENCES "team" ("id") ON DELETE SET NULL
);
CREATE INDEX "idx_crm_user_created_2e98fe" ON "crm_user" ("created_at");
CREATE TABLE "api_token" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "token_hash" VARCHAR(64) NOT NULL UNIQUE,
    "prefix" VARCHAR(12) NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "last_used_at" TIMESTAMP,
    "revoked_at" TIMESTAMP,
    "user_id" INT NOT NULL REFERENCES "crm_user" ("id") ON DELETE CASCADE
);
CREATE TABLE "audit_entry" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "at" TIMESTAMP NOT NULL,
    "actor_label" VARCHAR(254) NOT NULL /* Who, as shown then */,
    "via" VARCHAR(120) NOT NULL /* ui, api, token:<name>, cli or public */,
    "action" VARCHAR(60) NOT NULL,
    "entity" VARCHAR(40) NOT NULL,
    "entity_id" VARCHAR(40) NOT NULL,
    "changes" JSON NOT NULL /* field -> [old, new] */,
    "actor_id" INT REFERENCES "crm_user" ("id") ON DELETE SET NULL
);
CREATE INDEX "idx_audit_entry_at_c3f19e" ON "audit_entry" ("at");
CREATE INDEX "idx_audit_entry_action_a20b3a" ON "audit_entry" ("action");
CREATE INDEX "idx_audit_entry_entity_cc7790" ON "audit_entry" ("entity", "entity_id");
CREATE TABLE "campaign" (
    "version" INT NOT NULL /* Bumped on every change, and every update must send it */,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "title" VARCHAR(200) NOT NULL,
    "code" VARCHAR(40) NOT NULL UNIQUE,
    "description" TEXT NOT NULL,
    "type" VARCHAR(20) NOT NULL /* REFERRAL: referral\nPROMOTION: promotion\nGREETINGS: greetings */,
    "visibility" VARCHAR(10) NOT NULL /* PRIVATE: private\nINTERNAL: internal\nPUBLIC: public */,
    "status" VARCHAR(20) NOT NULL /* DRAFT: draft\nNEW: new\nACTIVE: active\nINACTIVE: inactive\nDISCARDED: discarded */,
    "starts_on" DATE,
    "ends_on" DATE,
    "views" INT NOT NULL,
    "likes" INT NOT NULL,
    "enrolments" INT NOT NULL,
    "owner_id" INT REFERENCES "crm_user" ("id") ON DELETE SET NULL
);
CREATE INDEX "idx_campaign_created_1d9882" ON "campaign" ("created_at");
CREATE INDEX "idx_campaign_status_635758" ON "campaign" ("status");
CREATE TABLE "campaign_like" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "visitor" VARCHAR(64) NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "campaign_id" INT NOT NULL REFERENCES "campaign" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_campaign_li_campaig_bcd9ad" UNIQUE ("campaign_id", "visitor")
) /* One row per visitor who liked, so the unique key makes repeated likes count once. */;
CREATE TABLE "customer" (
    "version" INT NOT NULL /* Bumped on every change, and every update must send it */,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "legal_form" VARCHAR(50) NOT NULL,
    "email" VARCHAR(254) NOT NULL,
    "phone" VARCHAR(40) NOT NULL,
    "website" VARCHAR(300) NOT NULL,
    "street" VARCHAR(200) NOT NULL,
    "city" VARCHAR(100) NOT NULL,
    "postcode" VARCHAR(20) NOT NULL,
    "country" VARCHAR(2) NOT NULL,
    "industry" VARCHAR(100) NOT NULL,
    "segment" VARCHAR(50) NOT NULL,
    "tags" JSON NOT NULL,
    "tag_index" VARCHAR(1300) NOT NULL /* Lower-cased tags as |a|b| for filtering */,
    "description" TEXT NOT NULL,
    "status" VARCHAR(20) NOT NULL /* DRAFT: draft\nPROSPECT: prospect\nACTIVE: active\nINACTIVE: inactive\nCHURNED: churned\nBLOCKED: blocked */,
    "status_before_block" VARCHAR(20) /* DRAFT: draft\nPROSPECT: prospect\nACTIVE: active\nINACTIVE: inactive\nCHURNED: churned\nBLOCKED: blocked */,
    "blocked_reason" VARCHAR(500) NOT NULL,
    "search_text" TEXT NOT NULL /* name, email, phone and contact names, lower-cased */,
    "account_manager_id" INT REFERENCES "crm_user" ("id") ON DELETE SET NULL
);
CREATE INDEX "idx_customer_created_d55ff5" ON "customer" ("created_at");
CREATE INDEX "idx_customer_name_0aae8f" ON "customer" ("name");
CREATE INDEX "idx_customer_country_9fc671" ON "customer" ("country");
CREATE INDEX "idx_customer_industr_26f0cf" ON "customer" ("industry");
CREATE INDEX "idx_customer_segment_791a35" ON "customer" ("segment");
CREATE INDEX "idx_customer_status_51f8f0" ON "customer" ("status");
CREATE TABLE "contact" (
    "version" INT NOT NULL /* Bumped on every change, and every update must send it */,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "email" VARCHAR(254) NOT NULL,
    "phone" VARCHAR(40) NOT NULL,
    "job_title" VARCHAR(100) NOT NULL,
    "department" VARCHAR(100) NOT NULL,
    "role_at_customer" VARCHAR(100) NOT NULL,
    "is_primary" INT NOT NULL,
    "status" VARCHAR(20) NOT NULL /* NEW: new\nHOT: hot\nCONVERTED: converted\nCOLD: cold\nNOT_INTERESTED: not_interested */,
    "customer_id" INT REFERENCES "customer" ("id") ON DELETE SET NULL,
    "owner_id" INT REFERENCES "crm_user" ("id") ON DELETE SET NULL
);
CREATE INDEX "idx_contact_created_edee29" ON "contact" ("created_at");
CREATE INDEX "idx_contact_name_bbcf0f" ON "contact" ("name");
CREATE INDEX "idx_contact_email_815930" ON "contact" ("email");
CREATE INDEX "idx_contact_status_dc3089" ON "contact" ("status");
CREATE TABLE "customer_status_change" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "from_status" VARCHAR(20) /* DRAFT: draft\nPROSPECT: prospect\nACTIVE: active\nINACTIVE: inactive\nCHURNED: churned\nBLOCKED: blocked */,
    "to_status" VARCHAR(20) NOT NULL /* DRAFT: draft\nPROSPECT: prospect\nACTIVE: active\nINACTIVE: inactive\nCHURNED: churned\nBLOCKED: blocked */,
    "reason" VARCHAR(500) NOT NULL,
    "changed_at" TIMESTAMP NOT NULL,
    "changed_by_id" INT REFERENCES "crm_user" ("id") ON DELETE SET NULL,
    "customer_id" INT NOT NULL REFERENCES "customer" ("id") ON DELETE CASCADE
);
CREATE TABLE "deal" (
    "version" INT NOT NULL /* Bumped on every change, and every update must send it */,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "title" VARCHAR(200) NOT NULL,
    "amount" BIGINT NOT NULL /* Minor units (cents) of `currency` */,
    "currency" VARCHAR(3) NOT NULL,
    "probability" INT NOT NULL,
    "expected_close_date" DATE,
    "lost_reason" VARCHAR(500) NOT NULL,
    "closed_at" TIMESTAMP,
    "contact_id" INT REFERENCES "contact" ("id") ON DELETE SET NULL,
    "customer_id" INT NOT NULL REFERENCES "customer" ("id") ON DELETE RESTRICT,
    "owner_id" INT REFERENCES "crm_user" ("id") ON DELETE SET NULL,
    "pipeline_id" INT NOT NULL REFERENCES "pipeline" ("id") ON DELETE RESTRICT,
    "stage_id" INT NOT NULL REFERENCES "stage" ("id") ON DELETE RESTRICT
);
CREATE INDEX "idx_deal_created_7a13d0" ON "deal" ("created_at");
CREATE INDEX "idx_deal_expecte_5fa159" ON "deal" ("expected_close_date");
CREATE TABLE "activity" (
    "version" INT NOT NULL /* Bumped on every change, and every update must send it */,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "kind" VARCHAR(20) NOT NULL /* CALL: call\nEMAIL: email\nMEETING: meeting\nNOTE: note\nTASK: task\nDEAL_UPDATE: deal_update */,
    "title" VARCHAR(200) NOT NULL,
    "description" TEXT NOT NULL,
    "duration_minutes" INT,
    "outcome" VARCHAR(10) /* POSITIVE: positive\nNEUTRAL: neutral\nNEGATIVE: negative */,
    "occurred_at" TIMESTAMP NOT NULL,
    "due_at" TIMESTAMP,
    "priority" VARCHAR(10) /* LOW: low\nNORMAL: normal\nHIGH: high */,
    "task_status" VARCHAR(20) /* NEW: new\nSCHEDULED: scheduled\nRESCHEDULED: rescheduled\nDONE: done\nABORTED: aborted */,
    "completed_at" TIMESTAMP,
    "assignee_id" INT REFERENCES "crm_user" ("id") ON DELETE SET NULL,
    "author_id" INT REFERENCES "crm_user" ("id") ON DELETE SET NULL,
    "contact_id" INT REFERENCES "contact" ("id") ON DELETE SET NULL,
    "customer_id" INT REFERENCES "customer" ("id") ON DELETE CASCADE,
    "deal_id" INT REFERENCES "deal" ("id") ON DELETE CASCADE
);
CREATE INDEX "idx_activity_created_5a6493" ON "activity" ("created_at");
CREATE INDEX "idx_activity_kind_feed3e" ON "activity" ("kind");
CREATE INDEX "idx_activity_occurre_cb5579" ON "activity" ("occurred_at");
CREATE INDEX "idx_activity_due_at_7d7d79" ON "activity" ("due_at");
CREATE INDEX "idx_activity_task_st_d2ae61" ON "activity" ("task_status");
CREATE TABLE "deal_stage_change" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "changed_at" TIMESTAMP NOT NULL,
    "changed_by_id" INT REFERENCES "crm_user" ("id") ON DELETE SET NULL,
    "deal_id" INT NOT NULL REFERENCES "deal" ("id") ON DELETE CASCADE,
    "from_stage_id" INT REFERENCES "stage" ("id") ON DELETE SET NULL,
    "to_stage_id" INT NOT NULL REFERENCES "stage" ("id") ON DELETE CASCADE
);
CREATE TABLE "engagement_event" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "kind" VARCHAR(10) NOT NULL /* VIEW: view\nLIKE: like\nENROLMENT: enrolment */,
    "visitor" VARCHAR(64) NOT NULL /* Hash identifying an anonymous visitor */,
    "occurred_at" TIMESTAMP NOT NULL,
    "campaign_id" INT NOT NULL REFERENCES "campaign" ("id") ON DELETE CASCADE
);
CREATE TABLE "enrolment" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "email" VARCHAR(254) NOT NULL,
    "consent" INT NOT NULL,
    "referrer_code" VARCHAR(64) NOT NULL,
    "source" VARCHAR(20) NOT NULL /* page, embed or api */,
    "created_at" TIMESTAMP NOT NULL,
    "campaign_id" INT NOT NULL REFERENCES "campaign" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_enrolment_campaig_eca012" UNIQUE ("campaign_id", "email")
);
CREATE INDEX "idx_enrolment_created_535e29" ON "enrolment" ("created_at");
CREATE TABLE "exchange_rate" (
    "currency" VARCHAR(3) NOT NULL PRIMARY KEY,
    "rate" VARCHAR(40) NOT NULL /* Base-currency units per unit */,
    "updated_at" TIMESTAMP NOT NULL,
    "updated_by_id" INT REFERENCES "crm_user" ("id") ON DELETE SET NULL
);
CREATE TABLE "lead" (
    "version" INT NOT NULL /* Bumped on every change, and every update must send it */,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "title" VARCHAR(200) NOT NULL,
    "source" VARCHAR(100) NOT NULL,
    "scope_of_work" TEXT NOT NULL,
    "company_name" VARCHAR(200) NOT NULL,
    "status" VARCHAR(20) NOT NULL /* NEW: new\nCONTACTED: contacted\nQUALIFIED: qualified\nCONVERTED: converted\nLOST: lost */,
    "lost_reason" VARCHAR(500) NOT NULL,
    "contact_id" INT REFERENCES "contact" ("id") ON DELETE SET NULL,
    "customer_id" INT REFERENCES "customer" ("id") ON DELETE SET NULL,
    "deal_id" INT REFERENCES "deal" ("id") ON DELETE SET NULL,
    "owner_id" INT REFERENCES "crm_user" ("id") ON DELETE SET NULL
);
CREATE INDEX "idx_lead_created_33103f" ON "lead" ("created_at");
CREATE INDEX "idx_lead_status_a86c93" ON "lead" ("status");
CREATE TABLE "note" (
    "version" INT NOT NULL /* Bumped on every change, and every update must send it */,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "body" TEXT NOT NULL,
    "pinned" INT NOT NULL,
    "author_id" INT REFERENCES "crm_user" ("id") ON DELETE SET NULL,
    "customer_id" INT NOT NULL REFERENCES "customer" ("id") ON DELETE CASCADE
);
CREATE INDEX "idx_note_created_faed43" ON "note" ("created_at");
CREATE TABLE "notification" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "kind" VARCHAR(40) NOT NULL,
    "message" VARCHAR(500) NOT NULL,
    "entity" VARCHAR(40),
    "entity_id" INT,
    "created_at" TIMESTAMP NOT NULL,
    "read_at" TIMESTAMP,
    "user_id" INT NOT NULL REFERENCES "crm_user" ("id") ON DELETE CASCADE
);
CREATE INDEX "idx_notificatio_created_0db009" ON "notification" ("created_at");
CREATE TABLE "crm_session" (
    "id" VARCHAR(64) NOT NULL PRIMARY KEY /* sha256 of the cookie value */,
    "created_at" TIMESTAMP NOT NULL,
    "last_seen_at" TIMESTAMP NOT NULL,
    "expires_at" TIMESTAMP NOT NULL,
    "ended_at" TIMESTAMP,
    "user_agent" VARCHAR(300) NOT NULL,
    "user_id" INT NOT NULL REFERENCES "crm_user" ("id") ON DELETE CASCADE
) /* A server-side sign-in: the cookie carries only a random id whose hash is the key. */;