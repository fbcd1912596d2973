___TERMS_OF_SERVICE___

By creating or modifying this file you agree to Google Tag Manager's Community
Template Gallery Developer Terms of Service available at
https://developers.google.com/tag-manager/gallery-tos (or such other URL as
Google may provide), as modified from time to time.


___INFO___

{
  "type": "TAG",
  "id": "cvt_temp_public_id",
  "version": 1,
  "securityGroups": [],
  "displayName": "OpsMantik",
  "categories": ["ANALYTICS", "LEAD_GENERATION", "CONVERSIONS"],
  "brand": {
    "id": "brand_dummy",
    "displayName": "OpsMantik"
  },
  "description": "Lead tracking for sites that buy Google Ads and take phone calls: loads the OpsMantik tracker from your OpsMantik server, passes consent, and sends conversions and events.",
  "containerContexts": [
    "WEB"
  ]
}


___TEMPLATE_PARAMETERS___

[
  {
    "type": "SELECT",
    "name": "tagType",
    "displayName": "What this tag does",
    "macrosInSelect": false,
    "selectItems": [
      { "value": "load", "displayValue": "Load the tracker (trigger: All Pages)" },
      { "value": "conversion", "displayValue": "Send a conversion (trigger: your lead event)" },
      { "value": "event", "displayValue": "Send an event" }
    ],
    "simpleValueType": true,
    "defaultValue": "load"
  },
  {
    "type": "TEXT",
    "name": "host",
    "displayName": "OpsMantik server",
    "help": "The address your OpsMantik server answers on, e.g. https://track.example.com (it serves /opsmantik.min.js).",
    "simpleValueType": true,
    "valueValidators": [
      { "type": "NON_EMPTY" },
      { "type": "REGEX", "args": ["^https?://[^/?#\\s]+$"], "errorMessage": "An origin such as https://track.example.com, without a path." }
    ],
    "enablingConditions": [{ "paramName": "tagType", "paramValue": "load", "type": "EQUALS" }]
  },
  {
    "type": "TEXT",
    "name": "siteId",
    "displayName": "Site public id",
    "help": "The last line printed by `opsmantik site create`.",
    "simpleValueType": true,
    "valueValidators": [
      { "type": "NON_EMPTY" },
      { "type": "REGEX", "args": ["^[A-Za-z0-9_-]{1,64}$"], "errorMessage": "Letters, digits, - and _ only." }
    ],
    "enablingConditions": [{ "paramName": "tagType", "paramValue": "load", "type": "EQUALS" }]
  },
  {
    "type": "SELECT",
    "name": "consent",
    "displayName": "Consent for the device fingerprint",
    "selectItems": [
      { "value": "consentMode", "displayValue": "Follow Google Consent Mode (analytics_storage)" },
      { "value": "granted", "displayValue": "Granted (the site's own banner already asked)" },
      { "value": "manual", "displayValue": "The site calls opsmantik('consent', ...) itself" }
    ],
    "simpleValueType": true,
    "defaultValue": "consentMode",
    "enablingConditions": [{ "paramName": "tagType", "paramValue": "load", "type": "EQUALS" }]
  },
  {
    "type": "TEXT",
    "name": "conversionName",
    "displayName": "Conversion name",
    "simpleValueType": true,
    "defaultValue": "lead_form",
    "valueValidators": [{ "type": "NON_EMPTY" }],
    "enablingConditions": [{ "paramName": "tagType", "paramValue": "conversion", "type": "EQUALS" }]
  },
  {
    "type": "TEXT",
    "name": "eventCategory",
    "displayName": "Event category",
    "simpleValueType": true,
    "valueValidators": [{ "type": "NON_EMPTY" }],
    "enablingConditions": [{ "paramName": "tagType", "paramValue": "event", "type": "EQUALS" }]
  },
  {
    "type": "TEXT",
    "name": "eventAction",
    "displayName": "Event action",
    "simpleValueType": true,
    "valueValidators": [{ "type": "NON_EMPTY" }],
    "enablingConditions": [{ "paramName": "tagType", "paramValue": "event", "type": "EQUALS" }]
  },
  {
    "type": "TEXT",
    "name": "eventLabel",
    "displayName": "Event label (optional)",
    "simpleValueType": true,
    "enablingConditions": [{ "paramName": "tagType", "paramValue": "event", "type": "EQUALS" }]
  },
  {
    "type": "TEXT",
    "name": "value",
    "displayName": "Value (optional number)",
    "simpleValueType": true,
    "valueValidators": [{ "type": "REGEX", "args": ["^$|^-?[0-9]+(\\.[0-9]+)?$"], "errorMessage": "A number, or empty." }],
    "enablingConditions": [{ "paramName": "tagType", "paramValue": "load", "type": "NOT_EQUALS" }]
  }
]


___SANDBOXED_JS_FOR_WEB_TEMPLATE___

// OpsMantik for Google Tag Manager. The load tag injects the script once per page whatever fires
// it (injectScript's cache token), and the queue makes calls made before the script arrives wait
// for it; conversion and event tags each send one call per firing, so a replayed dataLayer or a
// second trigger never doubles what was already sent.
const createArgumentsQueue = require('createArgumentsQueue');
const injectScript = require('injectScript');
const encodeUriComponent = require('encodeUriComponent');
const isConsentGranted = require('isConsentGranted');
const addConsentListener = require('addConsentListener');
const makeNumber = require('makeNumber');
const logToConsole = require('logToConsole');

// window.opsmantik: the tracker's API once loaded, else a stub queueing into window.opsmantik.q.
const opsmantik = createArgumentsQueue('opsmantik', 'opsmantik.q');
const value = data.value === undefined || data.value === '' ? undefined : makeNumber(data.value);

if (data.tagType === 'load') {
  if (data.consent === 'granted') {
    opsmantik('consent', 'granted');
  } else if (data.consent === 'consentMode') {
    opsmantik('consent', isConsentGranted('analytics_storage') ? 'granted' : 'denied');
    addConsentListener('analytics_storage', (consentType, granted) => {
      opsmantik('consent', granted ? 'granted' : 'denied');
    });
  }
  // The site id travels in the query: injectScript cannot set data-* attributes.
  const url = data.host + '/opsmantik.min.js?site=' + encodeUriComponent(data.siteId);
  injectScript(url, data.gtmOnSuccess, () => {
    logToConsole('OpsMantik: could not load ' + url);
    data.gtmOnFailure();
  }, 'opsmantik');
} else if (data.tagType === 'conversion') {
  if (value === undefined) opsmantik('conversion', data.conversionName);
  else opsmantik('conversion', data.conversionName, value);
  data.gtmOnSuccess();
} else {
  if (value === undefined) opsmantik('track', data.eventCategory, data.eventAction, data.eventLabel);
  else opsmantik('track', data.eventCategory, data.eventAction, data.eventLabel, value);
  data.gtmOnSuccess();
}


___WEB_PERMISSIONS___

[
  {
    "instance": {
      "key": { "publicId": "access_globals", "versionId": "1" },
      "param": [
        {
          "key": "keys",
          "value": {
            "type": 2,
            "listItem": [
              {
                "type": 3,
                "mapKey": [
                  { "type": 1, "string": "key" },
                  { "type": 1, "string": "read" },
                  { "type": 1, "string": "write" },
                  { "type": 1, "string": "execute" }
                ],
                "mapValue": [
                  { "type": 1, "string": "opsmantik" },
                  { "type": 8, "boolean": true },
                  { "type": 8, "boolean": true },
                  { "type": 8, "boolean": true }
                ]
              },
              {
                "type": 3,
                "mapKey": [
                  { "type": 1, "string": "key" },
                  { "type": 1, "string": "read" },
                  { "type": 1, "string": "write" },
                  { "type": 1, "string": "execute" }
                ],
                "mapValue": [
                  { "type": 1, "string": "opsmantik.q" },
                  { "type": 8, "boolean": true },
                  { "type": 8, "boolean": true },
                  { "type": 8, "boolean": false }
                ]
              }
            ]
          }
        }
      ]
    },
    "clientAnnotations": { "isEditedByUser": true },
    "isRequired": true
  },
  {
    "instance": {
      "key": { "publicId": "inject_script", "versionId": "1" },
      "param": [
        {
          "key": "urls",
          "value": { "type": 2, "listItem": [{ "type": 1, "string": "https://track.example.com/opsmantik.min.js*" }] }
        }
      ]
    },
    "clientAnnotations": { "isEditedByUser": true },
    "isRequired": true
  },
  {
    "instance": {
      "key": { "publicId": "access_consent", "versionId": "1" },
      "param": [
        {
          "key": "consentTypes",
          "value": {
            "type": 2,
            "listItem": [
              {
                "type": 3,
                "mapKey": [
                  { "type": 1, "string": "consentType" },
                  { "type": 1, "string": "read" },
                  { "type": 1, "string": "write" }
                ],
                "mapValue": [
                  { "type": 1, "string": "analytics_storage" },
                  { "type": 8, "boolean": true },
                  { "type": 8, "boolean": false }
                ]
              }
            ]
          }
        }
      ]
    },
    "clientAnnotations": { "isEditedByUser": true },
    "isRequired": true
  },
  {
    "instance": {
      "key": { "publicId": "logging", "versionId": "1" },
      "param": [{ "key": "environments", "value": { "type": 1, "string": "debug" } }]
    },
    "isRequired": true
  }
]


___TESTS___

scenarios:
- name: Load injects the script once, with the site id, and follows Consent Mode
  code: |-
    mock('isConsentGranted', () => true);
    runCode({ tagType: 'load', host: 'https://track.example.com', siteId: 'om_abc', consent: 'consentMode' });
    assertApi('injectScript').wasCalledWith('https://track.example.com/opsmantik.min.js?site=om_abc', success, failure, 'opsmantik');
    assertApi('addConsentListener').wasCalled();
    assertApi('gtmOnSuccess').wasNotCalled();
- name: Load with consent already granted passes it on
  code: |-
    runCode({ tagType: 'load', host: 'https://track.example.com', siteId: 'om_abc', consent: 'granted' });
    assertApi('createArgumentsQueue').wasCalledWith('opsmantik', 'opsmantik.q');
    assertApi('addConsentListener').wasNotCalled();
- name: A conversion is one call, with its value as a number
  code: |-
    runCode({ tagType: 'conversion', conversionName: 'lead_form', value: '120' });
    assertApi('makeNumber').wasCalledWith('120');
    assertApi('gtmOnSuccess').wasCalled();
- name: An event without a value
  code: |-
    runCode({ tagType: 'event', eventCategory: 'gtm', eventAction: 'brochure_download', eventLabel: 'pdf' });
    assertApi('gtmOnSuccess').wasCalled();
setup: |-
  const success = () => {};
  const failure = () => {};


___NOTES___

Import: GTM -> Templates -> Tag Templates -> New -> menu (three dots) -> Import -> this file.
Source and docs: examples/tag-manager/README.md in the OpsMantik repository.
