/*
 * Host unit tests of the codec against the shared vectors (firmware_bridge/vectors/frames.txt,
 * format in vectors/generate.py), plus a few session scenarios.
 *
 *   gcc -std=c99 -Wall -Wextra -Werror -I../protocol test_codec.c ../protocol/codec.c \
 *       ../protocol/session.c -o test_codec && ./test_codec ../../vectors/frames.txt
 *
 * Prints "<n> vectors passed, <m> session checks passed" and exits 0, or names every failure
 * and exits 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "session.h"

#define MAX_LINE 4096
#define MAX_FRAMES 128
#define MAX_NAME 64

static int failures;
static int session_checks;

#define CHECK(condition, ...)                                                   \
    do {                                                                        \
        if (!(condition)) {                                                     \
            failures++;                                                         \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                \
            fprintf(stderr, __VA_ARGS__);                                       \
            fputc('\n', stderr);                                                \
        }                                                                       \
    } while (0)

/* --- reading the vector file --------------------------------------------------------------- */

typedef struct {
    char name[MAX_NAME];
    uint8_t bytes[CODEC_MAX_FRAME];
    size_t length;
} named_frame;

static named_frame frames[MAX_FRAMES];
static int frame_count;

static const struct {
    const char *name;
    uint8_t id;
} MESSAGE_NAMES[] = {
    {"ACK", CODEC_ACK}, {"NAK", CODEC_NAK}, {"HEARTBEAT", CODEC_HEARTBEAT},
    {"IDENTIFY", CODEC_IDENTIFY}, {"IDENTIFY_REPLY", CODEC_IDENTIFY_REPLY},
    {"SHOW_LABEL", CODEC_SHOW_LABEL}, {"BLINK", CODEC_BLINK}, {"CLEAR", CODEC_CLEAR},
    {"SHOW_CLOSED", CODEC_SHOW_CLOSED}, {"BRIGHTNESS", CODEC_BRIGHTNESS}, {"KEY", CODEC_KEY},
    {"STAFF_CALL", CODEC_STAFF_CALL}, {"RATING", CODEC_RATING}, {"FAULT", CODEC_FAULT},
};

static int message_id(const char *name) {
    size_t i;
    for (i = 0; i < sizeof MESSAGE_NAMES / sizeof MESSAGE_NAMES[0]; i++) {
        if (strcmp(MESSAGE_NAMES[i].name, name) == 0) return MESSAGE_NAMES[i].id;
    }
    return -1;
}

static size_t parse_hex(const char *text, uint8_t *out, size_t capacity) {
    size_t count = 0;
    unsigned value;
    int used;
    while (count < capacity && sscanf(text, " %2x%n", &value, &used) == 1) {
        out[count++] = (uint8_t)value;
        text += used;
    }
    return count;
}

/* UTF-8 to CP866 for the characters the vectors use: printable ASCII, Cyrillic А..я, Ё, ё,
 * and №. Returns the CP866 length, or -1 for anything else. */
static int utf8_to_cp866(const char *text, size_t length, uint8_t *out) {
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    int count = 0;
    while (i < length) {
        unsigned long code;
        if (s[i] < 0x80) {
            code = s[i++];
        } else if ((s[i] & 0xE0) == 0xC0 && i + 1 < length) {
            code = ((unsigned long)(s[i] & 0x1F) << 6) | (s[i + 1] & 0x3F);
            i += 2;
        } else if ((s[i] & 0xF0) == 0xE0 && i + 2 < length) {
            code = ((unsigned long)(s[i] & 0x0F) << 12) | ((unsigned long)(s[i + 1] & 0x3F) << 6) |
                   (s[i + 2] & 0x3F);
            i += 3;
        } else {
            return -1;
        }
        if (code >= 0x20 && code < 0x7F) out[count++] = (uint8_t)code;
        else if (code >= 0x410 && code <= 0x43F) out[count++] = (uint8_t)(0x80 + code - 0x410);
        else if (code >= 0x440 && code <= 0x44F) out[count++] = (uint8_t)(0xE0 + code - 0x440);
        else if (code == 0x401) out[count++] = 0xF0;
        else if (code == 0x451) out[count++] = 0xF1;
        else if (code == 0x2116) out[count++] = 0xFC;
        else return -1;
    }
    return count;
}

/* Parses "name=123" and name="text" pairs, in table order, into message. */
static int parse_fields(const char *text, codec_message *message) {
    int numeric = 0;
    while (*text) {
        const char *equals;
        while (*text == ' ') text++;
        if (!*text) break;
        equals = strchr(text, '=');
        if (!equals) return 0;
        if (equals[1] == '"') {
            const char *end = strchr(equals + 2, '"');
            int length;
            if (!end) return 0;
            length = utf8_to_cp866(equals + 2, (size_t)(end - equals - 2), message->text);
            if (length < 0) return 0;
            message->text_length = (uint8_t)length;
            text = end + 1;
        } else {
            char *end;
            long value = strtol(equals + 1, &end, 10);
            if (end == equals + 1 || numeric >= (int)CODEC_MAX_FIELDS) return 0;
            message->value[numeric++] = (uint16_t)value;
            text = end;
        }
    }
    return 1;
}

static named_frame *find_frame(const char *name) {
    int i;
    for (i = 0; i < frame_count; i++) {
        if (strcmp(frames[i].name, name) == 0) return &frames[i];
    }
    return NULL;
}

/* Decodes bytes that hold exactly one frame. */
static int decode_one(const uint8_t *bytes, size_t length, codec_frame *frame) {
    codec_decoder decoder;
    codec_frame extra;
    codec_decoder_init(&decoder);
    if (codec_decoder_push(&decoder, bytes, length) != length) return 0;
    if (!codec_decoder_pop(&decoder, frame)) return 0;
    return !codec_decoder_pop(&decoder, &extra) && decoder.length == 0;
}

/* --- the vector checks --------------------------------------------------------------------- */

static void check_frame(const char *name, const char *header, const uint8_t *bytes,
                        size_t length) {
    unsigned dst, src, seq;
    char message_name[MAX_NAME];
    int used = 0, id;
    codec_message message, decoded;
    codec_frame frame, received;
    uint8_t encoded[CODEC_MAX_FRAME];
    size_t encoded_length;
    memset(&message, 0, sizeof message);
    if (sscanf(header, "%x %x %x %63s%n", &dst, &src, &seq, message_name, &used) != 4) {
        CHECK(0, "%s: cannot read %s", name, header);
        return;
    }
    id = message_id(message_name);
    CHECK(id > 0, "%s: unknown message name %s", name, message_name);
    if (id <= 0) return;
    message.id = (uint8_t)id;
    CHECK(parse_fields(header + used, &message), "%s: cannot read fields", name);
    CHECK(codec_encode_message(&message, (uint8_t)dst, (uint8_t)src, (uint8_t)seq, &frame) ==
              CODEC_OK,
          "%s: encode refused", name);
    encoded_length = codec_encode_frame(&frame, encoded, sizeof encoded);
    CHECK(encoded_length == length && memcmp(encoded, bytes, length) == 0,
          "%s: encoded bytes differ", name);
    CHECK(decode_one(bytes, length, &received), "%s: not decoded as one frame", name);
    CHECK(received.dst == dst && received.src == src && received.seq == seq,
          "%s: decoded header differs", name);
    CHECK(codec_decode_message(&received, &decoded) == CODEC_OK, "%s: message refused", name);
    CHECK(memcmp(decoded.value, message.value, sizeof message.value) == 0 &&
              decoded.text_length == message.text_length &&
              memcmp(decoded.text, message.text, message.text_length) == 0 &&
              decoded.id == message.id,
          "%s: decoded message differs", name);
}

static void check_reject(const char *name, const char *error, const uint8_t *bytes,
                         size_t length) {
    codec_frame frame;
    codec_message message;
    int expected = strcmp(error, "unknown") == 0 ? CODEC_E_UNKNOWN : CODEC_E_INVALID;
    CHECK(decode_one(bytes, length, &frame), "%s: not decoded as one frame", name);
    CHECK(codec_decode_message(&frame, &message) == expected, "%s: not refused as %s", name,
          error);
}

typedef struct {
    codec_decoder decoder;
    uint8_t found[MAX_FRAMES][CODEC_MAX_FRAME];
    size_t found_length[MAX_FRAMES];
    int count;
} stream_state;

static void drain(stream_state *state) {
    codec_frame frame;
    while (codec_decoder_pop(&state->decoder, &frame)) {
        if (state->count < MAX_FRAMES) {
            state->found_length[state->count] =
                codec_encode_frame(&frame, state->found[state->count], CODEC_MAX_FRAME);
            state->count++;
        }
    }
}

static void stream_bytes(stream_state *state, const uint8_t *bytes, size_t length) {
    size_t i;
    for (i = 0; i < length; i++) { /* one byte at a time, as from a UART */
        CHECK(codec_decoder_push(&state->decoder, bytes + i, 1) == 1, "decoder full");
        drain(state);
    }
}

static void check_stream(const char *name, stream_state *state, const char *expect) {
    char wanted[MAX_NAME];
    int used, index = 0;
    codec_decoder_idle(&state->decoder);
    drain(state);
    while (sscanf(expect, "%63s%n", wanted, &used) == 1) {
        named_frame *frame = find_frame(wanted);
        expect += used;
        CHECK(frame != NULL, "%s: unknown frame %s", name, wanted);
        if (!frame) continue;
        CHECK(index < state->count && state->found_length[index] == frame->length &&
                  memcmp(state->found[index], frame->bytes, frame->length) == 0,
              "%s: frame %d is not %s", name, index, wanted);
        index++;
    }
    CHECK(index == state->count, "%s: decoded %d frames, expected %d", name, state->count, index);
    CHECK(state->decoder.length == 0, "%s: bytes left after idle", name);
}

static int run_vectors(const char *path) {
    static char line[MAX_LINE], pending[MAX_LINE], name[MAX_NAME];
    static stream_state stream;
    enum { NONE, FRAME, REJECT, STREAM } record = NONE;
    int count = 0;
    FILE *file = fopen(path, "r");
    if (!file) {
        fprintf(stderr, "cannot open %s\n", path);
        return -1;
    }
    while (fgets(line, sizeof line, file)) {
        uint8_t bytes[MAX_LINE / 2];
        size_t length;
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0] || line[0] == '#') continue;
        if (strncmp(line, "crc ", 4) == 0) {
            char data[MAX_LINE];
            unsigned expected;
            if (sscanf(line + 4, "%s %x", data, &expected) != 2) {
                CHECK(0, "cannot read %s", line);
                continue;
            }
            length = strcmp(data, "-") == 0 ? 0 : parse_hex(data, bytes, sizeof bytes);
            CHECK(codec_crc16(CODEC_CRC_INIT, bytes, length) == expected, "crc of %s", data);
            count++;
        } else if (strncmp(line, "table ", 6) == 0) {
            unsigned expected = (unsigned)strtoul(line + 6, NULL, 16);
            CHECK(codec_table_checksum() == expected, "table checksum %04X, vectors say %04X",
                  codec_table_checksum(), expected);
            count++;
        } else if (strncmp(line, "frame ", 6) == 0 || strncmp(line, "reject ", 7) == 0) {
            int is_frame = line[0] == 'f';
            char *rest = line + (is_frame ? 6 : 7);
            size_t name_length = strcspn(rest, " ");
            if (name_length >= MAX_NAME) name_length = MAX_NAME - 1;
            memcpy(name, rest, name_length);
            name[name_length] = 0;
            strcpy(pending, rest + name_length + (rest[name_length] ? 1 : 0));
            record = is_frame ? FRAME : REJECT;
        } else if (strncmp(line, "stream ", 7) == 0) {
            strncpy(name, line + 7, MAX_NAME - 1);
            name[MAX_NAME - 1] = 0;
            memset(&stream, 0, sizeof stream);
            codec_decoder_init(&stream.decoder);
            record = STREAM;
        } else if (strncmp(line, "bytes ", 6) == 0) {
            length = parse_hex(line + 6, bytes, sizeof bytes);
            if (record == FRAME) {
                check_frame(name, pending, bytes, length);
                if (frame_count < MAX_FRAMES && length <= CODEC_MAX_FRAME) {
                    strcpy(frames[frame_count].name, name);
                    memcpy(frames[frame_count].bytes, bytes, length);
                    frames[frame_count].length = length;
                    frame_count++;
                }
                count++;
                record = NONE;
            } else if (record == REJECT) {
                check_reject(name, pending, bytes, length);
                count++;
                record = NONE;
            } else if (record == STREAM) {
                stream_bytes(&stream, bytes, length);
            }
        } else if (strcmp(line, "idle") == 0 && record == STREAM) {
            codec_decoder_idle(&stream.decoder);
            drain(&stream);
        } else if (strncmp(line, "expect", 6) == 0 && record == STREAM) {
            check_stream(name, &stream, line + 6);
            count++;
        } else if (strcmp(line, "end") == 0) {
            record = NONE;
        } else {
            CHECK(0, "cannot read line: %s", line);
        }
    }
    fclose(file);
    return count;
}

/* --- session scenarios --------------------------------------------------------------------- */

#define SESSION_CHECK(condition, ...)     \
    do {                                  \
        session_checks++;                 \
        CHECK(condition, __VA_ARGS__);    \
    } while (0)

static codec_frame host_frame(uint8_t dst, uint8_t seq, uint8_t id, const uint16_t *values,
                              const char *text) {
    codec_message message;
    codec_frame frame;
    memset(&message, 0, sizeof message);
    message.id = id;
    if (values) memcpy(message.value, values, sizeof message.value);
    if (text) {
        message.text_length = (uint8_t)strlen(text);
        memcpy(message.text, text, message.text_length);
    }
    CHECK(codec_encode_message(&message, dst, CODEC_HOST, seq, &frame) == CODEC_OK,
          "cannot build host frame %02X", id);
    return frame;
}

static codec_message reply_message(const codec_frame *reply) {
    codec_message message;
    CHECK(codec_decode_message(reply, &message) == CODEC_OK, "reply does not decode");
    return message;
}

static void run_session_checks(void) {
    static const uint8_t firmware[3] = {1, 0, 0};
    session board, keypad;
    codec_frame reply, in;
    codec_message message, event, answer;
    session_result result;
    uint16_t identify[CODEC_MAX_FIELDS] = {CODEC_PROTOCOL_VERSION, 0, 0x5EED, 1, 1};
    uint16_t ack[CODEC_MAX_FIELDS] = {0};

    identify[CODEC_IDENTIFY_TABLE] = codec_table_checksum();
    session_init(&board, 3, CODEC_KIND_WINDOW_BOARD, firmware, 77);

    /* Without a session, a poll is answered with NAK NOT_IDENTIFIED. */
    in = host_frame(3, 0, CODEC_HEARTBEAT, NULL, NULL);
    result = session_receive(&board, &in, &reply, &message);
    answer = reply_message(&reply);
    SESSION_CHECK(result.reply && answer.id == CODEC_NAK &&
                      answer.value[CODEC_NAK_REASON] == CODEC_NAK_NOT_IDENTIFIED,
                  "unidentified poll");

    /* IDENTIFY starts a session and the reply describes the board. */
    in = host_frame(3, 0, CODEC_IDENTIFY, identify, NULL);
    result = session_receive(&board, &in, &reply, &message);
    answer = reply_message(&reply);
    SESSION_CHECK((result.notes & SESSION_NOTE_UP) && answer.id == CODEC_IDENTIFY_REPLY &&
                      answer.value[CODEC_REPLY_KIND] == CODEC_KIND_WINDOW_BOARD &&
                      answer.value[CODEC_REPLY_BOOT_ID] == 77 &&
                      answer.value[CODEC_REPLY_NONCE] == 1 &&
                      answer.value[CODEC_REPLY_TABLE] == codec_table_checksum(),
                  "identify");

    /* A label is applied once; its repeat is acknowledged again but not applied. */
    {
        uint16_t window[CODEC_MAX_FIELDS] = {3};
        in = host_frame(3, 1, CODEC_SHOW_LABEL, window, "\x80-017");
    }
    result = session_receive(&board, &in, &reply, &message);
    answer = reply_message(&reply);
    SESSION_CHECK(result.deliver && message.id == CODEC_SHOW_LABEL && message.text_length == 5 &&
                      answer.id == CODEC_ACK && answer.value[CODEC_ACK_SEQ] == 1,
                  "label applied");
    result = session_receive(&board, &in, &reply, &message);
    answer = reply_message(&reply);
    SESSION_CHECK(!result.deliver && answer.id == CODEC_ACK && answer.value[CODEC_ACK_SEQ] == 1,
                  "repeat not applied");

    /* The same IDENTIFY again must not rewind the expected seq. */
    in = host_frame(3, 0, CODEC_IDENTIFY, identify, NULL);
    result = session_receive(&board, &in, &reply, &message);
    in = host_frame(3, 0, CODEC_CLEAR, NULL, NULL);
    in.seq = 1; /* an old frame, built by hand: CLEAR with the label's seq */
    result = session_receive(&board, &in, &reply, &message);
    SESSION_CHECK(!result.deliver, "old seq applied after a repeated IDENTIFY");

    /* A re-identify by the same host with a newer nonce keeps the count too. */
    identify[CODEC_IDENTIFY_NONCE] = 2;
    identify[CODEC_IDENTIFY_NEXT_SEQ] = 1; /* the host resends seq 1, already applied */
    in = host_frame(3, 0, CODEC_IDENTIFY, identify, NULL);
    result = session_receive(&board, &in, &reply, &message);
    in = host_frame(3, 0, CODEC_CLEAR, NULL, NULL);
    in.seq = 1;
    result = session_receive(&board, &in, &reply, &message);
    SESSION_CHECK(!result.deliver && reply_message(&reply).id == CODEC_ACK, "resend applied");

    /* Ahead of the expected seq: NAK OUT_OF_SEQUENCE; a keypad message: NAK UNSUPPORTED. */
    in.seq = 9;
    result = session_receive(&board, &in, &reply, &message);
    answer = reply_message(&reply);
    SESSION_CHECK(!result.deliver && answer.value[CODEC_NAK_REASON] == CODEC_NAK_OUT_OF_SEQUENCE,
                  "out of sequence");
    in.id = CODEC_BLINK;
    in.seq = 2;
    in.length = 1;
    in.payload[0] = 61; /* BLINK is 1..60 s */
    result = session_receive(&board, &in, &reply, &message);
    SESSION_CHECK(!result.deliver &&
                      reply_message(&reply).value[CODEC_NAK_REASON] == CODEC_NAK_BAD_PAYLOAD,
                  "bad payload");

    /* Another table checksum is refused, once. */
    identify[CODEC_IDENTIFY_TABLE] ^= 1;
    identify[CODEC_IDENTIFY_NONCE] = 3;
    in = host_frame(3, 0, CODEC_IDENTIFY, identify, NULL);
    result = session_receive(&board, &in, &reply, &message);
    SESSION_CHECK((result.notes & SESSION_NOTE_REFUSED) && !board.identified, "refused");
    result = session_receive(&board, &in, &reply, &message);
    SESSION_CHECK(!(result.notes & SESSION_NOTE_REFUSED), "refusal reported twice");
    identify[CODEC_IDENTIFY_TABLE] ^= 1;

    /* A keypad's key press goes out on a poll, is resent until acknowledged, then done. */
    session_init(&keypad, 5, CODEC_KIND_KEYPAD, firmware, 1);
    identify[CODEC_IDENTIFY_NONCE] = 4;
    in = host_frame(5, 0, CODEC_IDENTIFY, identify, NULL);
    session_receive(&keypad, &in, &reply, &message);
    memset(&event, 0, sizeof event);
    event.id = CODEC_KEY;
    event.value[CODEC_KEY_KEY] = CODEC_KEY_CALL_NEXT;
    SESSION_CHECK(session_queue_event(&keypad, &event) == SESSION_OK, "queue key");
    event.id = CODEC_RATING;
    SESSION_CHECK(session_queue_event(&keypad, &event) == SESSION_INVALID, "keypad rating");
    in = host_frame(5, 0, CODEC_HEARTBEAT, NULL, NULL);
    result = session_receive(&keypad, &in, &reply, &message);
    SESSION_CHECK(reply.id == CODEC_KEY && reply.seq == 1 && reply.payload[0] == 1, "key sent");
    result = session_receive(&keypad, &in, &reply, &message);
    SESSION_CHECK(reply.id == CODEC_KEY && reply.seq == 1, "key resent");
    ack[CODEC_ACK_SEQ] = 1;
    in = host_frame(5, 0, CODEC_ACK, ack, NULL);
    result = session_receive(&keypad, &in, &reply, &message);
    SESSION_CHECK((result.notes & SESSION_NOTE_ACKED) && reply.id == CODEC_HEARTBEAT &&
                      session_queued(&keypad) == 0,
                  "key acknowledged");

    /* The queue is bounded. */
    event.id = CODEC_KEY;
    {
        int i, status = SESSION_OK;
        for (i = 0; i <= SESSION_QUEUE_LENGTH && status == SESSION_OK; i++) {
            status = session_queue_event(&keypad, &event);
        }
        SESSION_CHECK(status == SESSION_FULL && i == SESSION_QUEUE_LENGTH + 1, "queue bound");
    }

    /* Frames for other boards and broadcasts get no reply. */
    in = host_frame(4, 0, CODEC_HEARTBEAT, NULL, NULL);
    result = session_receive(&keypad, &in, &reply, &message);
    SESSION_CHECK(!result.reply, "answered another board's frame");
    in.dst = CODEC_BROADCAST;
    result = session_receive(&keypad, &in, &reply, &message);
    SESSION_CHECK(!result.reply, "answered a broadcast");
}

int main(int argc, char **argv) {
    int count;
    if (argc != 2) {
        fprintf(stderr, "usage: %s frames.txt\n", argv[0]);
        return 2;
    }
    count = run_vectors(argv[1]);
    if (count < 0) return 2;
    run_session_checks();
    if (failures) {
        fprintf(stderr, "%d failures\n", failures);
        return 1;
    }
    printf("%d vectors passed, %d session checks passed\n", count, session_checks);
    return 0;
}
