/*
 * The board's end of the reliable link. See session.h; BoardLink in link.py is its twin and
 * the rules are in PROTOCOL.md, "Reliability" and "Sessions".
 */
#include "session.h"

#include <string.h>

/* The sequenced messages each kind of board handles or sends (KIND_MESSAGES in protocol.py). */
static int kind_handles(uint8_t kind, uint8_t id) {
    if (id == CODEC_FAULT) return 1;
    switch (kind) {
    case CODEC_KIND_WINDOW_BOARD:
        return id == CODEC_SHOW_LABEL || id == CODEC_BLINK || id == CODEC_CLEAR ||
               id == CODEC_SHOW_CLOSED || id == CODEC_BRIGHTNESS;
    case CODEC_KIND_KEYPAD: return id == CODEC_KEY;
    case CODEC_KIND_STAFF_CALL: return id == CODEC_STAFF_CALL;
    case CODEC_KIND_RATING_PAD: return id == CODEC_RATING;
    default: return 0;
    }
}

/* How far seq is ahead of expected; 128 or more means behind (a repeat). */
static uint8_t seq_distance(uint8_t seq, uint8_t expected) { return (uint8_t)(seq - expected); }

void session_init(session *s, uint8_t address, uint8_t kind, const uint8_t firmware[3],
                  uint16_t boot_id) {
    memset(s, 0, sizeof *s);
    s->address = address;
    s->kind = kind;
    memcpy(s->firmware, firmware, 3);
    s->boot_id = boot_id;
    s->table_checksum = codec_table_checksum();
    s->tx_seq = 1;
}

uint8_t session_queued(const session *s) { return s->count; }

int session_queue_event(session *s, const codec_message *event) {
    codec_frame frame;
    session_event *slot;
    if (codec_message_sequenced(event->id) != 1 || !kind_handles(s->kind, event->id)) {
        return SESSION_INVALID;
    }
    /* Encoding validates every field and the direction (board to host). */
    if (codec_encode_message(event, CODEC_HOST, s->address, 1, &frame) != CODEC_OK) {
        return SESSION_INVALID;
    }
    if (frame.length > SESSION_EVENT_PAYLOAD) return SESSION_INVALID;
    if (s->count >= SESSION_QUEUE_LENGTH) return SESSION_FULL;
    slot = &s->queue[(s->head + s->count) % SESSION_QUEUE_LENGTH];
    slot->id = frame.id;
    slot->length = frame.length;
    memcpy(slot->payload, frame.payload, frame.length);
    s->count++;
    return SESSION_OK;
}

static void reply_with(const session *s, const codec_message *message, uint8_t seq,
                       codec_frame *reply) {
    /* Replies are built from valid values only, so encoding cannot fail. */
    (void)codec_encode_message(message, CODEC_HOST, s->address, seq, reply);
}

static void reply_nak(const session *s, uint8_t seq, uint8_t reason, codec_frame *reply) {
    codec_message nak;
    memset(&nak, 0, sizeof nak);
    nak.id = CODEC_NAK;
    nak.value[CODEC_NAK_SEQ] = seq;
    nak.value[CODEC_NAK_REASON] = reason;
    reply_with(s, &nak, 0, reply);
}

static void reply_ack(const session *s, uint8_t seq, codec_frame *reply) {
    codec_message ack;
    memset(&ack, 0, sizeof ack);
    ack.id = CODEC_ACK;
    ack.value[CODEC_ACK_SEQ] = seq;
    reply_with(s, &ack, 0, reply);
}

static void reply_heartbeat(const session *s, codec_frame *reply) {
    codec_message heartbeat;
    memset(&heartbeat, 0, sizeof heartbeat);
    heartbeat.id = CODEC_HEARTBEAT;
    reply_with(s, &heartbeat, 0, reply);
}

static void reply_identify(const session *s, uint16_t nonce, codec_frame *reply) {
    codec_message answer;
    memset(&answer, 0, sizeof answer);
    answer.id = CODEC_IDENTIFY_REPLY;
    answer.value[CODEC_REPLY_VERSION] = CODEC_PROTOCOL_VERSION;
    answer.value[CODEC_REPLY_KIND] = s->kind;
    answer.value[CODEC_REPLY_FIRMWARE_MAJOR] = s->firmware[0];
    answer.value[CODEC_REPLY_FIRMWARE_MINOR] = s->firmware[1];
    answer.value[CODEC_REPLY_FIRMWARE_PATCH] = s->firmware[2];
    answer.value[CODEC_REPLY_TABLE] = s->table_checksum;
    answer.value[CODEC_REPLY_BOOT_ID] = s->boot_id;
    answer.value[CODEC_REPLY_NONCE] = nonce;
    answer.value[CODEC_REPLY_NEXT_SEQ] = s->in_flight ? s->in_flight_seq : s->tx_seq;
    reply_with(s, &answer, 0, reply);
}

static void refuse_host(session *s, uint16_t nonce, session_result *result, codec_frame *reply) {
    s->identified = 0;
    if (!s->refused) result->notes |= SESSION_NOTE_REFUSED;
    s->refused = 1;
    reply_identify(s, nonce, reply);
}

static void identify(session *s, const codec_message *message, session_result *result,
                     codec_frame *reply) {
    uint16_t session_id = message->value[CODEC_IDENTIFY_SESSION];
    uint16_t nonce = message->value[CODEC_IDENTIFY_NONCE];
    uint8_t next_seq = (uint8_t)message->value[CODEC_IDENTIFY_NEXT_SEQ];
    int same_host = s->knows_host && s->host_session == session_id;
    uint16_t newer = (uint16_t)(nonce - s->nonce);
    uint8_t distance = seq_distance(next_seq, s->rx_expected);
    if (message->value[CODEC_IDENTIFY_VERSION] != CODEC_PROTOCOL_VERSION ||
        message->value[CODEC_IDENTIFY_TABLE] != s->table_checksum) {
        refuse_host(s, nonce, result, reply);
        return;
    }
    if (same_host && (newer == 0 || newer >= 0x8000u)) {
        /* The same IDENTIFY again, or an older one: the session stands. Resetting the
         * expected seq now could let an old frame be applied after a newer one. */
        reply_identify(s, nonce, reply);
        return;
    }
    /* A new host process starts where it says; the same host keeps the count, so a frame it
     * resends after re-identifying is acknowledged as a repeat, not applied twice. */
    if (!same_host || (distance != 0 && distance != 0xFF)) s->rx_expected = next_seq;
    s->knows_host = 1;
    s->host_session = session_id;
    s->nonce = nonce;
    s->identified = 1;
    s->refused = 0;
    s->sends = 0;
    result->notes |= SESSION_NOTE_UP;
    reply_identify(s, nonce, reply);
}

/* The reply to a poll: the event in flight (again), the next event, or a heartbeat. */
static void next_event(session *s, session_result *result, codec_frame *reply) {
    const session_event *event;
    if (!s->in_flight && s->count) {
        s->in_flight = 1;
        s->in_flight_seq = s->tx_seq++;
        s->sends = 0;
    }
    if (!s->in_flight) {
        reply_heartbeat(s, reply);
        return;
    }
    if (++s->sends == SESSION_RETRY_LIMIT + 1) result->notes |= SESSION_NOTE_UNRESPONSIVE;
    event = &s->queue[s->head];
    reply->dst = CODEC_HOST;
    reply->src = s->address;
    reply->seq = s->in_flight_seq;
    reply->id = event->id;
    reply->length = event->length;
    memcpy(reply->payload, event->payload, event->length);
}

static void drop_in_flight(session *s) {
    s->in_flight = 0;
    s->head = (uint8_t)((s->head + 1) % SESSION_QUEUE_LENGTH);
    s->count--;
}

session_result session_receive(session *s, const codec_frame *in, codec_frame *reply,
                               codec_message *message) {
    session_result result = {0, 0, 0};
    int status;
    uint8_t distance;
    if (in->dst != s->address || in->src != CODEC_HOST) return result;
    result.reply = 1;
    status = codec_decode_message(in, message);
    if (status != CODEC_OK) {
        if (in->id == CODEC_IDENTIFY &&
            (in->length == 0 || in->payload[0] != CODEC_PROTOCOL_VERSION)) {
            refuse_host(s, 0, &result, reply); /* another version: only byte 0 is trusted */
        } else {
            reply_nak(s, in->seq,
                      status == CODEC_E_UNKNOWN ? CODEC_NAK_UNKNOWN_MESSAGE : CODEC_NAK_BAD_PAYLOAD,
                      reply);
        }
        return result;
    }
    if (message->id == CODEC_IDENTIFY) {
        identify(s, message, &result, reply);
        return result;
    }
    if (!s->identified) {
        reply_nak(s, in->seq, CODEC_NAK_NOT_IDENTIFIED, reply);
        return result;
    }
    switch (message->id) {
    case CODEC_ACK:
        if (s->in_flight && s->in_flight_seq == message->value[CODEC_ACK_SEQ]) {
            drop_in_flight(s);
            result.notes |= SESSION_NOTE_ACKED;
        }
        next_event(s, &result, reply);
        return result;
    case CODEC_NAK:
        if (message->value[CODEC_NAK_REASON] == CODEC_NAK_NOT_IDENTIFIED ||
            message->value[CODEC_NAK_REASON] == CODEC_NAK_OUT_OF_SEQUENCE) {
            reply_heartbeat(s, reply); /* the host identifies next; the event waits */
            return result;
        }
        if (s->in_flight && s->in_flight_seq == message->value[CODEC_NAK_SEQ]) {
            drop_in_flight(s);
            result.notes |= SESSION_NOTE_REJECTED;
        }
        next_event(s, &result, reply);
        return result;
    case CODEC_HEARTBEAT:
        next_event(s, &result, reply);
        return result;
    default:
        break;
    }
    if (!kind_handles(s->kind, message->id)) {
        reply_nak(s, in->seq, CODEC_NAK_UNSUPPORTED, reply);
        return result;
    }
    distance = seq_distance(in->seq, s->rx_expected);
    if (distance == 0) {
        s->rx_expected = (uint8_t)(in->seq + 1);
        result.deliver = 1;
    } else if (distance < 0x80) {
        reply_nak(s, in->seq, CODEC_NAK_OUT_OF_SEQUENCE, reply);
        return result;
    }
    reply_ack(s, in->seq, reply); /* new, or a repeat of one applied before */
    return result;
}
