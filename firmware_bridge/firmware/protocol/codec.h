/*
 * The Talon RS-485 protocol codec: frames, CRC, the stream decoder, message payloads and the
 * message table checksum. The C twin of firmware_bridge/protocol.py; both pass
 * firmware_bridge/vectors/frames.txt byte for byte. PROTOCOL.md is the specification.
 *
 * Portable C99: no malloc, no hardware headers, no global state. Everything a board needs is
 * in caller-owned structs, so it runs in an interrupt-free main loop or a host unit test alike.
 */
#ifndef TALON_CODEC_H
#define TALON_CODEC_H

#include <stddef.h>
#include <stdint.h>

#define CODEC_SYNC 0xA5u
#define CODEC_HOST 0x00u
#define CODEC_FIRST_BOARD 0x01u
#define CODEC_LAST_BOARD 0xF7u
#define CODEC_BROADCAST 0xFFu
#define CODEC_MAX_PAYLOAD 64u
#define CODEC_HEADER_SIZE 6u /* SYNC LEN DST SRC SEQ ID */
#define CODEC_CRC_SIZE 2u
#define CODEC_MAX_FRAME (CODEC_HEADER_SIZE + CODEC_MAX_PAYLOAD + CODEC_CRC_SIZE)
#define CODEC_PROTOCOL_VERSION 1u
#define CODEC_CRC_INIT 0xFFFFu
#define CODEC_MAX_FIELDS 9u /* numeric fields of the longest message, IDENTIFY_REPLY */

/*
 * Where the constant message table lives. Harvard-architecture microcontrollers (AVR) copy
 * const data to RAM unless told otherwise; a board's build may define both macros to keep the
 * table in flash, e.g. CODEC_ROM as __attribute__((__progmem__)) and CODEC_ROM_BYTE(p) as
 * pgm_read_byte(p). The codec itself stays free of hardware headers.
 */
#ifndef CODEC_ROM
#define CODEC_ROM
#endif
#ifndef CODEC_ROM_BYTE
#define CODEC_ROM_BYTE(address) (*(address))
#endif

enum codec_message_id {
    CODEC_ACK = 0x01,
    CODEC_NAK = 0x02,
    CODEC_HEARTBEAT = 0x03,
    CODEC_IDENTIFY = 0x04,
    CODEC_IDENTIFY_REPLY = 0x05,
    CODEC_SHOW_LABEL = 0x10,
    CODEC_BLINK = 0x11,
    CODEC_CLEAR = 0x12,
    CODEC_SHOW_CLOSED = 0x13,
    CODEC_BRIGHTNESS = 0x14,
    CODEC_KEY = 0x20,
    CODEC_STAFF_CALL = 0x21,
    CODEC_RATING = 0x22,
    CODEC_FAULT = 0x30
};

/* Indexes into codec_message.value, in table order. Text fields are in codec_message.text. */
enum { CODEC_ACK_SEQ = 0 };
enum { CODEC_NAK_SEQ = 0, CODEC_NAK_REASON = 1 };
enum {
    CODEC_IDENTIFY_VERSION = 0,
    CODEC_IDENTIFY_TABLE = 1,
    CODEC_IDENTIFY_SESSION = 2,
    CODEC_IDENTIFY_NONCE = 3,
    CODEC_IDENTIFY_NEXT_SEQ = 4
};
enum {
    CODEC_REPLY_VERSION = 0,
    CODEC_REPLY_KIND = 1,
    CODEC_REPLY_FIRMWARE_MAJOR = 2,
    CODEC_REPLY_FIRMWARE_MINOR = 3,
    CODEC_REPLY_FIRMWARE_PATCH = 4,
    CODEC_REPLY_TABLE = 5,
    CODEC_REPLY_BOOT_ID = 6,
    CODEC_REPLY_NONCE = 7,
    CODEC_REPLY_NEXT_SEQ = 8
};
enum { CODEC_SHOW_LABEL_WINDOW = 0 }; /* the label is the text */
enum { CODEC_BLINK_SECONDS = 0 };
enum { CODEC_SHOW_CLOSED_REASON = 0 };
enum { CODEC_BRIGHTNESS_LEVEL = 0 };
enum { CODEC_KEY_KEY = 0 };
enum { CODEC_RATING_SCORE = 0 };
enum { CODEC_FAULT_CODE = 0 }; /* the description is the text */

enum codec_board_kind {
    CODEC_KIND_WINDOW_BOARD = 1,
    CODEC_KIND_KEYPAD = 2,
    CODEC_KIND_STAFF_CALL = 3,
    CODEC_KIND_RATING_PAD = 4
};
enum codec_key {
    CODEC_KEY_CALL_NEXT = 1,
    CODEC_KEY_RECALL = 2,
    CODEC_KEY_START = 3,
    CODEC_KEY_FINISH = 4,
    CODEC_KEY_NO_SHOW = 5,
    CODEC_KEY_PAUSE = 6
};
enum codec_closed_reason {
    CODEC_CLOSED = 0,
    CODEC_CLOSED_BREAK = 1,
    CODEC_CLOSED_LUNCH = 2,
    CODEC_CLOSED_TECHNICAL = 3,
    CODEC_CLOSED_OTHER = 4
};
enum codec_nak_reason {
    CODEC_NAK_BAD_PAYLOAD = 1,
    CODEC_NAK_UNKNOWN_MESSAGE = 2,
    CODEC_NAK_NOT_IDENTIFIED = 3,
    CODEC_NAK_OUT_OF_SEQUENCE = 4,
    CODEC_NAK_UNSUPPORTED = 5
};

enum codec_status {
    CODEC_OK = 0,
    CODEC_E_UNKNOWN = 1, /* the message id is not in the table */
    CODEC_E_INVALID = 2  /* payload, direction or sequencing wrong */
};

/* One frame, payload undecoded. */
typedef struct {
    uint8_t dst;
    uint8_t src;
    uint8_t seq;
    uint8_t id;
    uint8_t length;
    uint8_t payload[CODEC_MAX_PAYLOAD];
} codec_frame;

/* One message, decoded: numeric fields in table order, and the trailing text field if the
 * message has one (CP866 bytes, not terminated). */
typedef struct {
    uint8_t id;
    uint16_t value[CODEC_MAX_FIELDS];
    uint8_t text_length;
    uint8_t text[CODEC_MAX_PAYLOAD];
} codec_message;

/* Finds frames in a noisy byte stream. See codec_decoder_pop. */
typedef struct {
    uint8_t buffer[CODEC_MAX_FRAME];
    uint8_t length;     /* bytes held */
    uint8_t idle_until; /* the first bytes held were received before the line went idle */
    uint32_t frames;
    uint32_t skipped_bytes;
    uint32_t bad_headers;
    uint32_t bad_crcs;
    uint32_t abandoned;
} codec_decoder;

/* CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final xor), continuing
 * from crc: pass CODEC_CRC_INIT to start. codec_crc16(CODEC_CRC_INIT, "123456789", 9) is
 * 0x29B1. */
uint16_t codec_crc16(uint16_t crc, const uint8_t *data, size_t length);

/* 1 if a frame may go from src to dst: host to a board or to broadcast, or a board to host. */
int codec_route_ok(uint8_t dst, uint8_t src);

/* Writes the frame's bytes to out; returns their count, or 0 if the frame is impossible or
 * does not fit in capacity. */
size_t codec_encode_frame(const codec_frame *frame, uint8_t *out, size_t capacity);

void codec_decoder_init(codec_decoder *decoder);

/* Takes up to length bytes into the decoder; returns how many it took. It takes fewer only
 * when full, which codec_decoder_pop always cures: alternate the two. */
size_t codec_decoder_push(codec_decoder *decoder, const uint8_t *data, size_t length);

/* Takes the next frame out of the bytes pushed so far: returns 1 and fills *frame, or 0 when
 * more bytes are needed. A candidate starts at a sync byte; an impossible header (length over
 * CODEC_MAX_PAYLOAD, not a host<->board route) or a wrong CRC drops that ONE byte and the scan
 * goes on from the next, so a frame behind a false sync is still found. */
int codec_decoder_pop(codec_decoder *decoder, codec_frame *frame);

/* The line went idle: candidates that started before now and are still incomplete are given up
 * (a sender never pauses inside a frame). Call codec_decoder_pop until it returns 0 right
 * after this, before pushing more bytes. */
void codec_decoder_idle(codec_decoder *decoder);

/* Fills frame with message, addressed and numbered; CODEC_E_INVALID if a field is out of
 * range or the message may not travel that way, CODEC_E_UNKNOWN for an id not in the table. */
int codec_encode_message(const codec_message *message, uint8_t dst, uint8_t src, uint8_t seq,
                         codec_frame *frame);

/* Decodes and validates the message in frame. Never yields a wrong message: any mismatch with
 * the table is CODEC_E_INVALID (or CODEC_E_UNKNOWN for an unknown id). */
int codec_decode_message(const codec_frame *frame, codec_message *message);

/* 1 if messages with this id carry a sequence number, 0 if not, -1 if the id is unknown. */
int codec_message_sequenced(uint8_t id);

/* The CRC-16/CCITT-FALSE of the message table's canonical text (PROTOCOL.md). */
uint16_t codec_table_checksum(void);

#endif
