# Django's zh_Hans month-day format is "m月j日" (03月5日): the month padded, the day not. Chinese
# writes both unpadded (3月5日), as notifications do (lianxin.core.notify.month_day).
MONTH_DAY_FORMAT = "n月j日"
