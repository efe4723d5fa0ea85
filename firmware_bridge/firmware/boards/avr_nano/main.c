/*
 * Reference firmware for an Arduino Nano (ATmega328P, 16 MHz) on the Talon RS-485 bus.
 *
 * Hardware only: the UART and the RS-485 driver, a millisecond clock, the address switches,
 * the boot counter, the LED matrix, the keys, the watchdog. Every protocol decision (framing,
 * CRC, resync, sessions, acknowledgement, duplicates) is in ../../protocol, which is unit-tested
 * on the host; this file feeds it bytes and time and does what it says.
 *
 * Built as a window board (default) or a desk keypad:
 *
 *   make -C firmware_bridge/firmware/boards/avr_nano              # window board
 *   make -C firmware_bridge/firmware/boards/avr_nano KIND=KEYPAD   # keypad
 *
 * Wiring
 *   RS-485 (MAX485):  RO -> D0 (RXD), DI <- D1 (TXD), DE and /RE together <- D2 (high: send)
 *   Address switches: A0..A5 to ground when on (pull-ups): address 1..63, 0 shows "АДР?"
 *   Window board:     4 x MAX7219 8x8 modules (FC-16), DIN <- D11, CLK <- D13, CS <- D10
 *   Keypad:           keys to ground on D3 (call next), D4 (recall), D5 (start), D6 (finish),
 *                     D7 (no-show), D8 (pause); a buzzer on D9
 *
 * avr-gcc 5.4 -Os (see Makefile): about 7.4 KB of flash and 850 of the 2048 bytes of RAM for
 * the window board (the session's event queue is 208 of them), 6.1 KB / 780 B for the keypad.
 */
#include <avr/eeprom.h>
#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/pgmspace.h>
#include <avr/wdt.h>
#include <stdint.h>
#include <string.h>

#include "../../protocol/codec.h"
#include "../../protocol/session.h"

#define BOARD_WINDOW 1
#define BOARD_KEYPAD 2
#ifndef BOARD
#define BOARD BOARD_WINDOW
#endif

#define FIRMWARE_MAJOR 1
#define FIRMWARE_MINOR 0
#define FIRMWARE_PATCH 0

#define BAUD 38400UL
#define IDLE_GAP_MS 5u      /* line silence that ends a partial frame (PROTOCOL.md) */
#define TURNAROUND_MS 1u    /* let the host's driver switch off before we drive the line */
#define HOST_TIMEOUT_MS 2000u
#define EEPROM_BOOT_COUNT ((uint16_t *)0)

/* --- time ---------------------------------------------------------------------------------- */

static volatile uint32_t milliseconds;

ISR(TIMER0_COMPA_vect) { milliseconds++; }

static uint32_t now_ms(void) {
    uint32_t value;
    uint8_t sreg = SREG;
    cli();
    value = milliseconds;
    SREG = sreg;
    return value;
}

static void clock_init(void) {
    TCCR0A = _BV(WGM01);             /* CTC */
    TCCR0B = _BV(CS01) | _BV(CS00);  /* clk/64 */
    OCR0A = 249;                     /* 16 MHz / 64 / 250 = 1 kHz */
    TIMSK0 = _BV(OCIE0A);
}

/* --- RS-485 -------------------------------------------------------------------------------- */

#define RX_RING 64u /* a power of two */
static volatile uint8_t rx_ring[RX_RING];
static volatile uint8_t rx_head, rx_tail;
static volatile uint32_t last_byte_ms;

ISR(USART_RX_vect) {
    uint8_t byte = UDR0;
    uint8_t next = (uint8_t)((rx_head + 1) & (RX_RING - 1));
    if (next != rx_tail) { /* full: drop; the CRC and the link's resend cover it */
        rx_ring[rx_head] = byte;
        rx_head = next;
    }
    last_byte_ms = milliseconds;
}

static uint32_t last_byte(void) {
    uint32_t value;
    uint8_t sreg = SREG;
    cli();
    value = last_byte_ms;
    SREG = sreg;
    return value;
}

static int rx_take(uint8_t *byte) {
    if (rx_tail == rx_head) return 0;
    *byte = rx_ring[rx_tail];
    rx_tail = (uint8_t)((rx_tail + 1) & (RX_RING - 1));
    return 1;
}

static void rs485_init(void) {
    uint16_t ubrr = (uint16_t)(F_CPU / (16UL * BAUD) - 1); /* 25: 0.2 % error */
    DDRD |= _BV(PD2);
    PORTD &= (uint8_t)~_BV(PD2); /* receive */
    UBRR0H = (uint8_t)(ubrr >> 8);
    UBRR0L = (uint8_t)ubrr;
    UCSR0B = _BV(RXEN0) | _BV(TXEN0) | _BV(RXCIE0);
    UCSR0C = _BV(UCSZ01) | _BV(UCSZ00); /* 8N1 */
}

static void rs485_send(const uint8_t *data, size_t length) {
    size_t i;
    while (now_ms() - last_byte() < TURNAROUND_MS) {
    }
    UCSR0B &= (uint8_t)~_BV(RXEN0); /* do not hear our own echo */
    PORTD |= _BV(PD2);
    UCSR0A |= _BV(TXC0);            /* clear "transmit complete" */
    for (i = 0; i < length; i++) {
        while (!(UCSR0A & _BV(UDRE0))) {
        }
        UDR0 = data[i];
    }
    while (!(UCSR0A & _BV(TXC0))) { /* the last stop bit is out */
    }
    PORTD &= (uint8_t)~_BV(PD2);
    UCSR0B |= _BV(RXEN0);
}

/* --- identity ------------------------------------------------------------------------------ */

static uint8_t read_address(void) {
    DDRC &= (uint8_t)~0x3F;
    PORTC |= 0x3F; /* pull-ups: a switch that is on reads 0 */
    __asm__ __volatile__("nop\n\tnop\n\t");
    return (uint8_t)(~PINC & 0x3F);
}

static uint16_t next_boot_id(void) {
    /* Counts starts in EEPROM: the host tells a reboot from a reconnect by it. 100 000 write
     * cycles outlast any plausible number of power cycles. */
    uint16_t boot = (uint16_t)(eeprom_read_word(EEPROM_BOOT_COUNT) + 1);
    eeprom_update_word(EEPROM_BOOT_COUNT, boot);
    return boot;
}

/* --- the window board's display ------------------------------------------------------------ */

#if BOARD == BOARD_WINDOW
#include "font5x7.h"

#define MODULES 4
#define WIDTH (MODULES * 8)
#define MAX7219_INTENSITY 0x0A

static uint8_t text[CODEC_MAX_PAYLOAD];
static uint8_t text_length;
static uint8_t blank;
static uint32_t blink_until;
static uint8_t scroll;
static uint32_t scroll_ms;

/* «ЗАКРЫТО», «ПЕРЕРЫВ», «ОБЕД», «ТЕХ.ПЕРЕРЫВ», «НЕ РАБОТАЕТ» in CP866, by closed reason. */
static const char CLOSED_0[] PROGMEM = "\x87\x80\x8A\x90\x9B\x92\x8E";
static const char CLOSED_1[] PROGMEM = "\x8F\x85\x90\x85\x90\x9B\x82";
static const char CLOSED_2[] PROGMEM = "\x8E\x81\x85\x84";
static const char CLOSED_3[] PROGMEM = "\x92\x85\x95.\x8F\x85\x90\x85\x90\x9B\x82";
static const char CLOSED_4[] PROGMEM = "\x8D\x85 \x90\x80\x81\x8E\x92\x80\x85\x92";
static PGM_P const CLOSED[] PROGMEM = {CLOSED_0, CLOSED_1, CLOSED_2, CLOSED_3, CLOSED_4};

static void spi_init(void) {
    DDRB |= _BV(PB2) | _BV(PB3) | _BV(PB5);
    PORTB |= _BV(PB2);
    SPCR = _BV(SPE) | _BV(MSTR); /* mode 0, clk/4 */
}

static void spi_byte(uint8_t byte) {
    SPDR = byte;
    while (!(SPSR & _BV(SPIF))) {
    }
}

/* The same register of every module in the chain. */
static void max7219_all(uint8_t reg, uint8_t value) {
    uint8_t m;
    PORTB &= (uint8_t)~_BV(PB2);
    for (m = 0; m < MODULES; m++) {
        spi_byte(reg);
        spi_byte(value);
    }
    PORTB |= _BV(PB2);
}

static void max7219_init(void) {
    max7219_all(0x0F, 0);                 /* display test off */
    max7219_all(0x0B, 7);                 /* scan all 8 rows */
    max7219_all(0x09, 0);                 /* no BCD decoding */
    max7219_all(0x0A, MAX7219_INTENSITY); /* until the host says BRIGHTNESS */
    max7219_all(0x0C, 1);                 /* leave shutdown */
}

/* columns[WIDTH], bit 0 at the top; FC-16 modules take rows, so transpose. */
static void max7219_show(const uint8_t *columns) {
    uint8_t row, m, c;
    for (row = 0; row < 8; row++) {
        PORTB &= (uint8_t)~_BV(PB2);
        for (m = MODULES; m-- > 0;) { /* the first byte shifted goes to the last module */
            uint8_t bits = 0;
            for (c = 0; c < 8; c++) {
                if (columns[m * 8 + c] & (1u << row)) bits |= (uint8_t)(0x80u >> c);
            }
            spi_byte((uint8_t)(row + 1));
            spi_byte(bits);
        }
        PORTB |= _BV(PB2);
    }
}

static void set_text(const uint8_t *bytes, uint8_t length) {
    memcpy(text, bytes, length);
    text_length = length;
    blank = 0;
    scroll = 0;
}

static void set_text_P(PGM_P bytes) {
    uint8_t length = (uint8_t)strlen_P(bytes);
    memcpy_P(text, bytes, length);
    text_length = length;
    blank = 0;
    scroll = 0;
}

static void render(uint32_t now, uint8_t host_lost) {
    uint8_t columns[WIDTH];
    uint16_t width = (uint16_t)text_length * (FONT_WIDTH + 1), x;
    memset(columns, 0, sizeof columns);
    if (width > WIDTH && now - scroll_ms >= 60) { /* too long for 32 columns: scroll */
        scroll_ms = now;
        scroll = (uint8_t)((scroll + 1) % (width + 8));
    }
    if (!blank && !(now < blink_until && (now / 300) % 2)) {
        uint16_t start = width > WIDTH ? 0 : (uint16_t)((WIDTH - width) / 2);
        for (x = 0; x < WIDTH; x++) {
            uint16_t at = (uint16_t)(x + (width > WIDTH ? scroll : 0));
            uint8_t glyph[FONT_WIDTH], index, column;
            if (at < start || at - start >= width) continue;
            index = (uint8_t)((at - start) / (FONT_WIDTH + 1));
            column = (uint8_t)((at - start) % (FONT_WIDTH + 1));
            if (column == FONT_WIDTH) continue;
            font_glyph(text[index], glyph);
            columns[x] = glyph[column];
        }
    }
    if (host_lost) columns[WIDTH - 1] |= 0x80; /* a dot in the corner: no word from the host */
    max7219_show(columns);
}

/* Applies a new host message (the session has checked that this kind of board handles it). */
static void apply(const codec_message *message, uint32_t now) {
    switch (message->id) {
    case CODEC_SHOW_LABEL:
        set_text(message->text, message->text_length);
        break;
    case CODEC_BLINK:
        blink_until = now + 1000UL * message->value[CODEC_BLINK_SECONDS];
        break;
    case CODEC_CLEAR:
        blank = 1;
        break;
    case CODEC_SHOW_CLOSED:
        set_text_P((PGM_P)pgm_read_word(&CLOSED[message->value[CODEC_SHOW_CLOSED_REASON]]));
        break;
    case CODEC_BRIGHTNESS:
        max7219_all(0x0A, (uint8_t)message->value[CODEC_BRIGHTNESS_LEVEL]);
        break;
    default:
        break;
    }
}

static void board_init(void) {
    static const uint8_t UNSET[] = {0x80, 0x84, 0x90, '?'}; /* АДР? : no address set */
    spi_init();
    max7219_init();
    if (read_address() == 0) set_text(UNSET, sizeof UNSET);
    else blank = 1;
}
#endif

/* --- the keypad's keys --------------------------------------------------------------------- */

#if BOARD == BOARD_KEYPAD
#define KEYS 6
#define DEBOUNCE_MS 30u
static uint8_t key_state, key_stable;
static uint32_t key_changed_ms;
static uint32_t beep_until;

static uint8_t read_keys(void) {
    /* D3..D7 and D8 (PB0), pressed = low */
    return (uint8_t)(((~PIND >> 3) & 0x1F) | ((~PINB & 0x01) << 5));
}

static void board_init(void) {
    DDRD &= (uint8_t)~0xF8;
    PORTD |= 0xF8;
    DDRB &= (uint8_t)~_BV(PB0);
    PORTB |= _BV(PB0);
    DDRB |= _BV(PB1) | _BV(PB5); /* buzzer, LED */
}

static void beep(uint32_t now, uint16_t ms) {
    beep_until = now + ms;
}

/* New presses since the last call, debounced: bit k is key k + 1 (codec_key). */
static uint8_t pressed_keys(uint32_t now) {
    uint8_t raw = read_keys(), pressed;
    if (raw != key_state) {
        key_state = raw;
        key_changed_ms = now;
        return 0;
    }
    if (now - key_changed_ms < DEBOUNCE_MS || raw == key_stable) return 0;
    pressed = (uint8_t)(raw & ~key_stable);
    key_stable = raw;
    return pressed;
}

static void show_host_lost(uint8_t lost) {
    if (lost) PORTB |= _BV(PB5); /* the Nano's own LED, D13 */
    else PORTB &= (uint8_t)~_BV(PB5);
}

static void scan_keys(session *s, uint32_t now) {
    uint8_t pressed = pressed_keys(now), k;
    for (k = 0; k < KEYS; k++) {
        codec_message event;
        if (!(pressed & (1u << k))) continue;
        memset(&event, 0, sizeof event);
        event.id = CODEC_KEY;
        event.value[CODEC_KEY_KEY] = (uint16_t)(k + 1);
        /* A full queue means the host has not polled for a while: say so, drop the press. */
        if (session_queue_event(s, &event) == SESSION_OK) beep(now, 20);
        else beep(now, 400);
    }
    if (now < beep_until) PORTB |= _BV(PB1);
    else PORTB &= (uint8_t)~_BV(PB1);
}
#endif

/* --- main ---------------------------------------------------------------------------------- */

static session link;
static codec_decoder decoder;
static uint32_t last_host_ms;
static uint8_t heard_host;

/* Runs every complete frame through the session and sends its reply. */
static void handle_frames(uint32_t now) {
    static codec_frame in, reply;
    static codec_message message;
    static uint8_t out[CODEC_MAX_FRAME];
    while (codec_decoder_pop(&decoder, &in)) {
        session_result result = session_receive(&link, &in, &reply, &message);
        if (!result.reply) continue; /* another board's frame */
        last_host_ms = now;
        heard_host = 1;
        rs485_send(out, codec_encode_frame(&reply, out, sizeof out));
#if BOARD == BOARD_WINDOW
        if (result.deliver) apply(&message, now);
#endif
    }
}

static void queue_fault(uint8_t code) {
    codec_message fault;
    memset(&fault, 0, sizeof fault);
    fault.id = CODEC_FAULT;
    fault.value[CODEC_FAULT_CODE] = code;
    (void)session_queue_event(&link, &fault); /* reported at the first poll */
}

int main(void) {
    static const uint8_t firmware[3] = {FIRMWARE_MAJOR, FIRMWARE_MINOR, FIRMWARE_PATCH};
    uint8_t reset_cause = MCUSR;
    uint32_t last_render_ms = 0;

    MCUSR = 0;
    wdt_enable(WDTO_500MS);
    clock_init();
    rs485_init();
    board_init();
    session_init(&link, read_address(),
                 BOARD == BOARD_WINDOW ? CODEC_KIND_WINDOW_BOARD : CODEC_KIND_KEYPAD, firmware,
                 next_boot_id());
    codec_decoder_init(&decoder);
    if (reset_cause & _BV(WDRF)) queue_fault(4);  /* FaultCode.WATCHDOG */
    if (reset_cause & _BV(BORF)) queue_fault(3);  /* FaultCode.BROWN_OUT */
    sei();

    for (;;) {
        uint8_t byte, host_lost;
        uint32_t now = now_ms();
        wdt_reset();
        /* One byte in, then every frame out: a pop always makes room for the next push. */
        while (rx_take(&byte)) {
            codec_decoder_push(&decoder, &byte, 1);
            handle_frames(now);
        }
        if (decoder.length && now - last_byte() >= IDLE_GAP_MS) {
            codec_decoder_idle(&decoder);
            handle_frames(now);
        }
        host_lost = heard_host && now - last_host_ms > HOST_TIMEOUT_MS;
#if BOARD == BOARD_WINDOW
        if (now - last_render_ms >= 20) {
            last_render_ms = now;
            render(now, host_lost);
        }
#else
        (void)last_render_ms;
        show_host_lost(host_lost);
        scan_keys(&link, now);
#endif
    }
}
