/*
 * The board's end of the reliable link: the identify handshake, acknowledgement, duplicate
 * suppression, and the queue of events (key presses, ratings, …) waiting for the host. The C
 * twin of BoardLink in firmware_bridge/link.py; PROTOCOL.md, "Reliability" and "Sessions".
 *
 * A board speaks only when spoken to: session_receive answers every unicast host frame with
 * exactly one reply frame. Timing (host silence, the idle gap) is the caller's: this module
 * has no clock. Portable C99, no malloc.
 */
#ifndef TALON_SESSION_H
#define TALON_SESSION_H

#include <stdint.h>

#include "codec.h"

/* Events waiting for the host, and the payload room for each (a FAULT text longer than this
 * minus one byte is refused by session_queue_event: keep fault texts short). */
#ifndef SESSION_QUEUE_LENGTH
#define SESSION_QUEUE_LENGTH 8
#endif
#ifndef SESSION_EVENT_PAYLOAD
#define SESSION_EVENT_PAYLOAD 24
#endif
/* Sends of one event without an ACK before the board reports the host unresponsive. */
#ifndef SESSION_RETRY_LIMIT
#define SESSION_RETRY_LIMIT 5
#endif

enum session_status { SESSION_OK = 0, SESSION_FULL = 1, SESSION_INVALID = 2 };

/* What session_receive did, as bits of session_result.notes. */
enum {
    SESSION_NOTE_UP = 0x01,           /* a session started: the host will now send the state */
    SESSION_NOTE_REFUSED = 0x02,      /* the host's version or message table differs */
    SESSION_NOTE_ACKED = 0x04,        /* the host acknowledged the oldest event */
    SESSION_NOTE_REJECTED = 0x08,     /* the host refused the oldest event for good; dropped */
    SESSION_NOTE_UNRESPONSIVE = 0x10  /* SESSION_RETRY_LIMIT sends of an event, no ACK yet */
};

typedef struct {
    uint8_t reply;   /* 1: send the reply frame */
    uint8_t deliver; /* 1: apply the message (SHOW_LABEL, BLINK, …): it is new */
    uint8_t notes;
} session_result;

typedef struct {
    uint8_t id;
    uint8_t length;
    uint8_t payload[SESSION_EVENT_PAYLOAD];
} session_event;

typedef struct {
    uint8_t address;
    uint8_t kind;
    uint8_t firmware[3];
    uint16_t boot_id;
    uint16_t table_checksum;
    uint8_t identified;
    uint8_t refused;
    uint8_t knows_host; /* host_session and nonce are set */
    uint16_t host_session;
    uint16_t nonce;
    uint8_t rx_expected; /* seq of the host's next new frame */
    uint8_t tx_seq;      /* seq of this board's next new event */
    uint8_t in_flight;   /* queue[head] has been sent and awaits its ACK */
    uint8_t in_flight_seq;
    uint8_t sends;
    session_event queue[SESSION_QUEUE_LENGTH];
    uint8_t head;
    uint8_t count;
} session;

/* boot_id must differ on every start of the board (the reference firmware counts starts in
 * EEPROM). */
void session_init(session *s, uint8_t address, uint8_t kind, const uint8_t firmware[3],
                  uint16_t boot_id);

/* Queues an event (KEY, STAFF_CALL, RATING, FAULT) for the host. SESSION_FULL: the queue is
 * full (tell the user: beep); SESSION_INVALID: not an event this kind of board sends. */
int session_queue_event(session *s, const codec_message *event);

/* Events not yet acknowledged by the host. */
uint8_t session_queued(const session *s);

/* Handles one decoded frame. Frames for other boards, other boards' replies and broadcasts
 * are ignored (reply 0). For a unicast host frame: *reply is the one frame to send back and,
 * when result.deliver is set, *message is a new host message to apply. */
session_result session_receive(session *s, const codec_frame *in, codec_frame *reply,
                               codec_message *message);

#endif
